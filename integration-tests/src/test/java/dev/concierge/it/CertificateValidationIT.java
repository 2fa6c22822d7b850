package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.cli.ConciergeCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real control plane and node, driven through the CLI entry point: each bad certificate input is
 * refused with a field error naming it, and {@code cert list} is unchanged afterwards.
 */
class CertificateValidationIT {
  private static final String PASSPHRASE = "tr0ub4dor&3";
  // Certificates are issued around the control plane's real clock, with days of margin.
  private final Instant now = Instant.now();
  private final Instant from = now.minus(Duration.ofDays(2));
  private final Instant to = now.plus(Duration.ofDays(90));

  @TempDir Path work;
  private Fleet fleet;
  private Map<String, String> env;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    fleet = Fleet.start(work.resolve("cp"), 1);
    env = new HashMap<>();
    env.put("HOME", work.toString());
    env.put("CONCIERGE_CONFIG", work.resolve("cli-config").toString());
    env.put("CONCIERGE_SERVER", fleet.controlPlaneAddress());
    env.put("CONCIERGE_TOKEN", fleet.controlPlane().adminToken());
    env.put("CONCIERGE_CA_FILE", fleet.caFile().toString());
  }

  @AfterEach
  void stop() {
    fleet.close();
  }

  private Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate issue(
      String subject,
      KeyPair keys,
      List<String> names,
      String issuer,
      KeyPair issuerKeys,
      Instant from,
      Instant to,
      boolean ca)
      throws Exception {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name(issuer),
            BigInteger.valueOf(from.toEpochMilli()),
            Date.from(from),
            Date.from(to),
            new X500Name(subject),
            keys.getPublic());
    if (!names.isEmpty()) {
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              names.stream()
                  .map(n -> new GeneralName(GeneralName.dNSName, n))
                  .toArray(GeneralName[]::new)));
    }
    if (ca) {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    }
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }

  private static String pem(Object... objects) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      for (Object o : objects) {
        w.writeObject(o);
      }
    }
    return out.toString();
  }

  private static String pkcs8(PrivateKey key) throws IOException {
    return pem(new PemObject("PRIVATE KEY", key.getEncoded()));
  }

  private static String encrypted(PrivateKey key) throws Exception {
    JceOpenSSLPKCS8EncryptorBuilder encryptor =
        new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC);
    encryptor.setProvider(new BouncyCastleProvider());
    encryptor.setPassword(PASSPHRASE.toCharArray());
    return pem(new JcaPKCS8Generator(key, encryptor.build()).generate());
  }

  private String file(String name, String text) throws IOException {
    Path p = work.resolve(name);
    Files.writeString(p, text);
    return p.toString();
  }

  /** One bad input: the files given to cert add, and what the error must name. */
  private record Bad(String what, List<String> args, String field, String why) {}

  @Test
  void eachBadCertificateInputIsRefusedWithItsFieldAndNothingChanges() throws Exception {
    KeyPair rootKeys = ec();
    KeyPair interKeys = ec();
    KeyPair leafKeys = ec();
    KeyPair otherKeys = ec();
    String rootDn = "CN=IT Root";
    String interDn = "O=Concierge IT,CN=IT Intermediate";
    X509Certificate root = issue(rootDn, rootKeys, List.of(), rootDn, rootKeys, from, to, true);
    X509Certificate inter = issue(interDn, interKeys, List.of(), rootDn, rootKeys, from, to, true);
    List<String> names = List.of("www.example.test");
    X509Certificate leaf =
        issue("CN=www.example.test", leafKeys, names, interDn, interKeys, from, to, false);
    X509Certificate otherRoot =
        issue("CN=Other Root", otherKeys, List.of(), "CN=Other Root", otherKeys, from, to, true);
    X509Certificate expired =
        issue(
            "CN=www.example.test",
            leafKeys,
            names,
            interDn,
            interKeys,
            from,
            now.minus(Duration.ofDays(1)),
            false);
    X509Certificate early =
        issue(
            "CN=www.example.test",
            leafKeys,
            names,
            interDn,
            interKeys,
            now.plus(Duration.ofDays(1)),
            to,
            false);
    X509Certificate nameless =
        issue("O=Nameless", leafKeys, List.of(), interDn, interKeys, from, to, false);

    String chain = file("chain.pem", pem(leaf, inter, root));
    String key = file("key.pem", pkcs8(leafKeys.getPrivate()));
    String encryptedKey = file("key.enc.pem", encrypted(leafKeys.getPrivate()));
    String passphrase = file("pass.txt", PASSPHRASE + "\n");
    String wrongPassphrase = file("wrong.txt", "not-the-passphrase\n");

    Result added =
        cli(
            "cert",
            "add",
            "www",
            "--cert",
            chain,
            "--key",
            encryptedKey,
            "--key-passphrase-file",
            passphrase,
            "--default");
    assertThat(added.code()).as(added.err()).isZero();
    fleet.awaitSynced();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(cli("cert", "list").out()).contains("node-1"));
    Result before = cli("cert", "list");
    assertThat(before.out())
        .contains("www.example.test", "IT Intermediate", "EC P-256", "yes", "node-1", "ok");
    String beforeJson = cli("-o", "json", "cert", "list").out();
    assertThat(beforeJson).doesNotContain("PRIVATE KEY").doesNotContain(PASSPHRASE);

    List<Bad> bad = new ArrayList<>();
    bad.add(
        new Bad(
            "not PEM",
            List.of(
                "--cert",
                file(
                    "garbage.pem",
                    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
                "--key",
                key),
            "certificate.certificate_chain",
            "not PEM"));
    bad.add(
        new Bad(
            "out of order",
            List.of("--cert", file("unordered.pem", pem(leaf, root, inter)), "--key", key),
            "certificate.certificate_chain",
            "out of order"));
    bad.add(
        new Bad(
            "broken chain",
            List.of("--cert", file("broken.pem", pem(leaf, inter, otherRoot)), "--key", key),
            "certificate.certificate_chain",
            "broken at certificate 3"));
    bad.add(
        new Bad(
            "expired",
            List.of("--cert", file("expired.pem", pem(expired, inter)), "--key", key),
            "certificate.certificate_chain",
            "has expired"));
    bad.add(
        new Bad(
            "not yet valid",
            List.of("--cert", file("early.pem", pem(early, inter)), "--key", key),
            "certificate.certificate_chain",
            "not yet valid"));
    bad.add(
        new Bad(
            "key mismatch",
            List.of("--cert", chain, "--key", file("other.key", pkcs8(otherKeys.getPrivate()))),
            "certificate.private_key",
            "does not match"));
    bad.add(
        new Bad(
            "wrong passphrase",
            List.of(
                "--cert", chain, "--key", encryptedKey, "--key-passphrase-file", wrongPassphrase),
            "certificate.private_key_passphrase",
            "is wrong"));
    bad.add(
        new Bad(
            "no passphrase",
            List.of("--cert", chain, "--key", encryptedKey),
            "certificate.private_key_passphrase",
            "a passphrase is needed"));
    bad.add(
        new Bad(
            "no usable name",
            List.of("--cert", file("nameless.pem", pem(nameless, inter)), "--key", key),
            "certificate.certificate_chain",
            "no usable name"));
    bad.add(
        new Bad(
            "second default",
            List.of("--cert", chain, "--key", key, "--default"),
            "certificate.default_certificate",
            "certificates/www is already the default certificate"));

    for (Bad b : bad) {
      for (String sub : List.of("add", "update")) {
        String name = sub.equals("add") ? "other" : "www";
        if (sub.equals("update") && b.what().equals("second default")) {
          continue; // www is the default itself
        }
        List<String> args = new ArrayList<>(List.of("cert", sub, name));
        args.addAll(b.args());
        Result r = cli(args.toArray(String[]::new));
        assertThat(r.code()).as(b.what() + " via " + sub + ": " + r.err()).isEqualTo(1);
        assertThat(r.err())
            .as(b.what() + " via " + sub)
            .contains(b.field() + ": ", b.why())
            .doesNotContain(PASSPHRASE)
            .doesNotContain("PRIVATE KEY");
      }
    }

    assertThat(cli("cert", "list")).isEqualTo(before);
    assertThat(cli("-o", "json", "cert", "list").out()).isEqualTo(beforeJson);
  }
}
