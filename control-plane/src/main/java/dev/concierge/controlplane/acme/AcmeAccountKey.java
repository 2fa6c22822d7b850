package dev.concierge.controlplane.acme;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * The control plane's ACME account key pair: made once (EC P-256) and kept in the data dir, mode
 * 0600, so that the account, and the orders it owns, survive restarts.
 */
public final class AcmeAccountKey {
  /** The key file's name in the data dir. */
  public static final String FILE = "acme-account.key";

  private AcmeAccountKey() {}

  /** The key pair in {@code dataDir}, after creating it if it is absent. */
  public static KeyPair loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      StringWriter pem = new StringWriter();
      KeyPairUtils.writeKeyPair(KeyPairUtils.createECKeyPair("secp256r1"), pem);
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, pem.toString());
      } catch (FileAlreadyExistsException raced) {
        // Another process made it first; read theirs below.
      }
    }
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
      return KeyPairUtils.readKeyPair(in);
    }
  }
}
