package dev.concierge.controlplane.consumer;

import java.util.random.RandomGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** Hashes passwords for HTTP Basic credentials: bcrypt ($2b$), cost {@value #COST}. Stateless. */
public final class PasswordHashes {
  /** bcrypt's cost: 2^10 rounds, about 50-100 ms on one core. */
  public static final int COST = 10;

  private PasswordHashes() {}

  /** The bcrypt hash of {@code password} with a salt drawn from {@code random}. */
  public static String bcrypt(String password, RandomGenerator random) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return OpenBSDBCrypt.generate("2b", password.toCharArray(), salt, COST);
  }
}
