package dev.concierge.dataplane.identity;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's identity on disk, beside its last-good cache: {@value #KEY_FILE} (PKCS#8 PEM, mode
 * 0600) and {@value #CERT_FILE} (the PEM chain). A node that restarts with a certificate still
 * valid needs no join token.
 */
public final class IdentityFiles {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityFiles.class);

  /** The node's private key. */
  public static final String KEY_FILE = "node.key";

  /** The node's certificate chain. */
  public static final String CERT_FILE = "node.crt";

  private final Path dir;

  public IdentityFiles(Path dir) {
    this.dir = requireNonNull(dir, "dir");
  }

  /**
   * The stored identity of this node id, if both files are there and the certificate is for it (a
   * cache directory reused under another id starts over with a join).
   */
  public Optional<NodeIdentity> load(String nodeId) {
    Path keyFile = dir.resolve(KEY_FILE);
    Path certFile = dir.resolve(CERT_FILE);
    if (!Files.exists(keyFile) || !Files.exists(certFile)) {
      return Optional.empty();
    }
    try {
      PrivateKey key = readKey(keyFile);
      NodeIdentity identity =
          NodeIdentity.of(nodeId, key, Files.readString(certFile, StandardCharsets.US_ASCII));
      if (!identity.certifiesItsNodeId()) {
        LOG.info("{} is not for node {}; joining again", certFile, nodeId);
        return Optional.empty();
      }
      return Optional.of(identity);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read the node identity in {} ({}); joining again", dir, e.getMessage());
      return Optional.empty();
    }
  }

  /** Replaces the stored identity: the key first (0600), then the chain, each atomically. */
  public void save(NodeIdentity identity) throws IOException {
    Files.createDirectories(dir);
    writeAtomically(dir.resolve(KEY_FILE), pem(new JcaPKCS8Generator(identity.key(), null)), true);
    StringBuilder chain = new StringBuilder();
    for (X509Certificate c : identity.chain()) {
      chain.append(pem(c));
    }
    writeAtomically(dir.resolve(CERT_FILE), chain.toString(), false);
  }

  private static PrivateKey readKey(Path file) throws IOException {
    try (PEMParser parser =
        new PEMParser(new StringReader(Files.readString(file, StandardCharsets.US_ASCII)))) {
      if (parser.readObject() instanceof PrivateKeyInfo info) {
        return new JcaPEMKeyConverter().getPrivateKey(info);
      }
      throw new IOException(file + " holds no PKCS#8 private key");
    }
  }

  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void writeAtomically(Path file, String text, boolean secret) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (secret && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      // Created 0600, so the key is never readable by others, not even for a moment.
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
