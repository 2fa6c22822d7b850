package dev.concierge.dataplane.consumer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Checks a password against one stored hash, parsed once per snapshot: bcrypt ($2a$, $2b$, $2y$;
 * Bouncy Castle's OpenBSDBCrypt) or argon2id (a PHC string, version 19). Deliberately slow (tens of
 * milliseconds): callers cache what passed ({@link BasicCredentials}) and run it off the request
 * path's threads. Immutable and thread-safe.
 */
abstract sealed class PasswordVerifier {
  private static final Pattern ARGON2ID =
      Pattern.compile(
          "\\$argon2id\\$v=19\\$m=([0-9]+),t=([0-9]+),p=([0-9]+)\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");

  /** The verifier of {@code hash}, which passed the shared rules. */
  static PasswordVerifier of(String hash) {
    if (hash.startsWith("$argon2id$")) {
      Matcher m = ARGON2ID.matcher(hash);
      if (!m.matches()) {
        throw new IllegalArgumentException("not an argon2id PHC string");
      }
      Base64.Decoder base64 = Base64.getDecoder(); // PHC: standard alphabet, no padding
      return new Argon2id(
          Integer.parseInt(m.group(1)),
          Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)),
          base64.decode(m.group(4)),
          base64.decode(m.group(5)));
    }
    return new Bcrypt(hash);
  }

  /** Whether {@code password} is the one the hash was made of. */
  abstract boolean matches(String password);

  /** bcrypt: the salt and cost are in the hash. */
  static final class Bcrypt extends PasswordVerifier {
    private final String hash;

    Bcrypt(String hash) {
      this.hash = hash;
    }

    @Override
    boolean matches(String password) {
      try {
        return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
      } catch (IllegalArgumentException e) {
        return false; // e.g. a password bcrypt cannot take; never a match
      }
    }
  }

  /** argon2id with the PHC string's memory (KiB), iterations, parallelism and salt. */
  static final class Argon2id extends PasswordVerifier {
    private final Argon2Parameters parameters;
    private final byte[] expected;

    Argon2id(int memoryKb, int iterations, int parallelism, byte[] salt, byte[] expected) {
      this.parameters =
          new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
              .withVersion(Argon2Parameters.ARGON2_VERSION_13)
              .withMemoryAsKB(memoryKb)
              .withIterations(iterations)
              .withParallelism(parallelism)
              .withSalt(salt)
              .build();
      this.expected = expected.clone();
    }

    @Override
    boolean matches(String password) {
      Argon2BytesGenerator generator = new Argon2BytesGenerator();
      generator.init(parameters);
      byte[] actual = new byte[expected.length];
      generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), actual);
      return MessageDigest.isEqual(actual, expected);
    }
  }
}
