package dev.concierge.controlplane.acme;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The control plane's ACME account key pair: made once (EC P-256) and kept in the data dir, mode
 * 0600, as a PKCS#8 private key and its X.509 public key (PEM), so that the account, and the orders
 * it owns, survive restarts.
 */
public final class AcmeAccountKey {
  /** The key file's name in the data dir. */
  public static final String FILE = "acme-account.key";

  private static final String PRIVATE = "PRIVATE KEY";
  private static final String PUBLIC = "PUBLIC KEY";

  private AcmeAccountKey() {}

  /** The key pair in {@code dataDir}, after creating it if it is absent. */
  public static KeyPair loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      KeyPair fresh = EcKeys.p256();
      String pem =
          pem(PRIVATE, fresh.getPrivate().getEncoded())
              + pem(PUBLIC, fresh.getPublic().getEncoded());
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, pem);
      } catch (FileAlreadyExistsException raced) {
        // Another process made it first; read theirs below.
      }
    }
    String text = Files.readString(file);
    try {
      KeyFactory ec = KeyFactory.getInstance("EC");
      return new KeyPair(
          ec.generatePublic(new X509EncodedKeySpec(block(text, PUBLIC, file))),
          ec.generatePrivate(new PKCS8EncodedKeySpec(block(text, PRIVATE, file))));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + ": not an EC account key pair: " + e.getMessage(), e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static byte[] block(String text, String type, Path file) throws IOException {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new IOException(file + ": no " + type + " block");
    }
    return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
  }
}
