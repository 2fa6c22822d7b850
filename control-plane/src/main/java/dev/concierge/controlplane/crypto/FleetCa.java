package dev.concierge.controlplane.crypto;

import static java.util.Objects.requireNonNull;

import com.google.common.net.InetAddresses;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's own certificate authority: an EC P-256 key ({@value #CA_KEY_FILE}, 0600) and
 * a self-signed certificate ({@value #CA_CERT_FILE}, ten years) in the data directory, created at
 * first start. It issues the certificate the gRPC port serves ({@link #serverCertificate}). Control
 * planes that share a database share these two files, as they share the tokens and the master key,
 * so that one CA file lets the CLI and the nodes trust any of them. Thread-safe.
 */
public final class FleetCa {
  private static final Logger log = LoggerFactory.getLogger(FleetCa.class);

  /** The CA certificate, PEM: what clients and nodes are given to trust. */
  public static final String CA_CERT_FILE = "ca.crt";

  /** The CA's private key, PKCS#8 PEM, mode 0600. */
  public static final String CA_KEY_FILE = "ca.key";

  /** The gRPC port's certificate, issued by the CA for the listen names. */
  public static final String SERVER_CERT_FILE = "grpc-server.crt";

  /** The gRPC port's private key, PKCS#8 PEM, mode 0600. */
  public static final String SERVER_KEY_FILE = "grpc-server.key";

  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration SERVER_VALIDITY = Duration.ofDays(365);

  /** A server certificate with less than this left is issued again at start. */
  static final Duration RENEW_BEFORE = Duration.ofDays(30);

  // Clocks of nodes and CLI hosts may be a little behind ours.
  private static final Duration BACKDATE = Duration.ofHours(1);
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final int DNS = 2;
  private static final int IP = 7;

  private final Path dir;
  private final X509Certificate certificate;
  private final PrivateKey key;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private FleetCa(Path dir, X509Certificate certificate, PrivateKey key, Clock clock) {
    this.dir = dir;
    this.certificate = certificate;
    this.key = key;
    this.clock = clock;
  }

  /** Reads the CA of {@code dataDir}, creating it when neither of its files exists. */
  public static FleetCa loadOrCreate(Path dataDir, Clock clock) throws IOException {
    requireNonNull(dataDir, "dataDir");
    requireNonNull(clock, "clock");
    Path certFile = dataDir.resolve(CA_CERT_FILE);
    Path keyFile = dataDir.resolve(CA_KEY_FILE);
    boolean hasCert = Files.exists(certFile);
    boolean hasKey = Files.exists(keyFile);
    if (hasCert != hasKey) {
      throw new IOException(
          "the fleet CA is half there: "
              + (hasCert ? keyFile : certFile)
              + " is missing (copy both "
              + CA_CERT_FILE
              + " and "
              + CA_KEY_FILE
              + ", or remove both to make a new CA)");
    }
    if (!hasCert) {
      create(certFile, keyFile, clock);
    }
    X509Certificate cert = readCertificate(certFile);
    PrivateKey key = readKey(keyFile);
    return new FleetCa(dataDir, cert, key, clock);
  }

  private static void create(Path certFile, Path keyFile, Clock clock) throws IOException {
    KeyPair pair = newKeyPair();
    Instant now = clock.instant();
    X500Name name = new X500Name("CN=Concierge fleet CA " + now.getEpochSecond() + ",O=Concierge");
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  name,
                  serial(new SecureRandom()),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(now.plus(CA_VALIDITY)),
                  name,
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate cert = sign(b, pair.getPrivate());
      // The key first: a certificate on disk always has its key.
      try {
        writePrivate(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
      } catch (FileAlreadyExistsException raced) {
        return;
      }
      writePublic(certFile, pem(cert));
      log.info("created the fleet CA {} in {}", name, certFile.getParent());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the fleet CA", e);
    }
  }

  /** The CA certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The file that holds the CA certificate. */
  public Path certificateFile() {
    return dir.resolve(CA_CERT_FILE);
  }

  /**
   * The gRPC server's certificate and key files for these names (DNS names and IP literals), issued
   * again when the names changed, the CA changed, or less than {@link #RENEW_BEFORE} is left.
   */
  public ServerFiles serverCertificate(Collection<String> names) throws IOException {
    Set<String> wanted = normalized(names);
    Path certFile = dir.resolve(SERVER_CERT_FILE);
    Path keyFile = dir.resolve(SERVER_KEY_FILE);
    if (Files.exists(certFile) && Files.exists(keyFile)) {
      X509Certificate current = readCertificate(certFile);
      if (stillGood(current, wanted)) {
        return new ServerFiles(certFile, keyFile);
      }
    }
    KeyPair pair = newKeyPair();
    X509Certificate cert = issueServer(pair.getPublic(), wanted);
    Files.deleteIfExists(keyFile);
    writePrivate(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
    writePublic(certFile, pem(cert) + pem(certificate));
    log.info("issued the gRPC server certificate for {}", String.join(", ", wanted));
    return new ServerFiles(certFile, keyFile);
  }

  private boolean stillGood(X509Certificate current, Set<String> wanted) {
    try {
      current.verify(certificate.getPublicKey());
    } catch (GeneralSecurityException e) {
      return false;
    }
    Instant notAfter = current.getNotAfter().toInstant();
    return notAfter.minus(RENEW_BEFORE).isAfter(clock.instant()) && names(current).equals(wanted);
  }

  X509Certificate issueServer(PublicKey publicKey, Set<String> names) {
    Instant now = clock.instant();
    List<GeneralName> sans = new ArrayList<>();
    for (String n : names) {
      sans.add(
          InetAddresses.isInetAddress(n)
              ? new GeneralName(GeneralName.iPAddress, n)
              : new GeneralName(GeneralName.dNSName, n));
    }
    String cn = names.isEmpty() ? "concierge control plane" : names.iterator().next();
    return issue(
        publicKey,
        new X500Name("CN=" + cn.replaceAll("[,=+<>#;\"\\\\]", "_") + ",O=Concierge"),
        sans,
        now.plus(SERVER_VALIDITY),
        KeyPurposeId.id_kp_serverAuth);
  }

  /**
   * A certificate for {@code publicKey} signed by this CA: an end entity with digitalSignature
   * usage and the given extended usage, valid from an hour ago until {@code notAfter}.
   */
  X509Certificate issue(
      PublicKey publicKey,
      X500Name subject,
      List<GeneralName> sans,
      Instant notAfter,
      KeyPurposeId purpose) {
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  serial(random),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(notAfter),
                  subject,
                  publicKey)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  ext.createAuthorityKeyIdentifier(certificate))
              .addExtension(
                  Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey));
      if (!sans.isEmpty()) {
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(sans.toArray(GeneralName[]::new)));
      }
      return sign(b, key);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot issue a certificate", e);
    }
  }

  /** The names a certificate covers: its DNS and IP subject alternative names, normalized. */
  static Set<String> names(X509Certificate cert) {
    Set<String> names = new TreeSet<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          Object type = san.get(0);
          if (type instanceof Integer t && (t == DNS || t == IP)) {
            names.add(normalized(String.valueOf(san.get(1))));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return Set.of();
    }
    return names;
  }

  private static Set<String> normalized(Collection<String> names) {
    Set<String> out = new TreeSet<>();
    for (String n : names) {
      if (!n.isBlank()) {
        out.add(normalized(n));
      }
    }
    return out;
  }

  private static String normalized(String name) {
    String n = name.strip();
    if (n.startsWith("[") && n.endsWith("]")) {
      n = n.substring(1, n.length() - 1);
    }
    return InetAddresses.isInetAddress(n)
        ? InetAddresses.toAddrString(InetAddresses.forString(n))
        : n.toLowerCase(Locale.ROOT);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has EC P-256", e);
    }
  }

  private static BigInteger serial(SecureRandom random) {
    // 127 random bits: positive, unique in practice, and not guessable.
    return new BigInteger(127, random).setBit(126);
  }

  static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  static X509Certificate readCertificate(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " holds no X.509 certificate: " + e.getMessage(), e);
    }
  }

  private static PrivateKey readKey(Path file) throws IOException {
    try (PEMParser parser =
        new PEMParser(new StringReader(Files.readString(file, StandardCharsets.US_ASCII)))) {
      Object o = parser.readObject();
      if (o instanceof PrivateKeyInfo info) {
        return new JcaPEMKeyConverter().getPrivateKey(info);
      }
      throw new IOException(file + " holds no PKCS#8 private key");
    }
  }

  private static void writePrivate(Path file, String text) throws IOException {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } else {
      Files.createFile(file);
    }
    Files.writeString(file, text, StandardCharsets.US_ASCII);
  }

  private static void writePublic(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * The gRPC port's certificate chain and key.
   *
   * @param certificateChain PEM: the server certificate, then the CA's
   * @param privateKey PKCS#8 PEM
   */
  public record ServerFiles(Path certificateChain, Path privateKey) {
    public ServerFiles {
      requireNonNull(certificateChain, "certificateChain");
      requireNonNull(privateKey, "privateKey");
    }
  }
}
