package dev.concierge.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ClientAuthentication;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

/** The compile step of client authentication: the CA bundle's trust, once per snapshot. */
class CertificateCompilerClientAuthTest {
  private static final TestCertificates.Pem CA = TestCertificates.pem("client-ca.test");
  private static final TestCertificates.Pem OTHER_CA = TestCertificates.pem("other-ca.test");

  private static Certificate certificate(String id, String host, ClientAuthentication auth) {
    TestCertificates.Pem pem = TestCertificates.pem(host);
    Certificate.Builder certificate =
        Certificate.newBuilder()
            .setName("certificates/" + id)
            .setCertificateChain(pem.chain())
            .setPrivateKey(pem.key());
    if (auth != null) {
      certificate.setClientAuthentication(auth);
    }
    return certificate.build();
  }

  private static ClientAuthentication auth(ClientAuthentication.Mode mode, String bundle) {
    return ClientAuthentication.newBuilder().setMode(mode).setCaBundle(bundle).build();
  }

  private static X509Certificate x509(String pem) throws CertificateException {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void compilesTheCaBundleIntoATrustManagerOfThoseCasOnly() throws Exception {
    ServedCertificate served =
        CertificateCompiler.compile(
            certificate(
                "mtls",
                "mtls.test",
                auth(ClientAuthentication.Mode.REQUIRED, CA.chain() + OTHER_CA.chain())));

    ClientAuthPolicy policy = served.clientAuth();
    assertThat(policy).isNotNull();
    assertThat(policy.certificateName()).isEqualTo("certificates/mtls");
    assertThat(policy.mode()).isEqualTo(ClientAuthentication.Mode.REQUIRED);
    assertThat(policy.authorities()).containsExactly(x509(CA.chain()), x509(OTHER_CA.chain()));
    assertThat(policy.trust().getAcceptedIssuers()).hasSize(2);
    policy.trust().checkClientTrusted(new X509Certificate[] {x509(CA.chain())}, "EC");
    X509Certificate stranger = x509(TestCertificates.pem("stranger.test").chain());
    assertThatThrownBy(
            () -> policy.trust().checkClientTrusted(new X509Certificate[] {stranger}, "EC"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void aCertificateWithoutClientAuthenticationHasNone() {
    assertThat(CertificateCompiler.compile(certificate("web", "web.test", null)).clientAuth())
        .isNull();
  }

  @Test
  void anUnusableBundleOrModeIsAProblemOfThatCertificate() {
    List<String> problems = new ArrayList<>();
    CertificateIndex index =
        CertificateCompiler.compile(
            List.of(
                certificate("ok", "ok.test", null),
                certificate("bad", "bad.test", auth(ClientAuthentication.Mode.OPTIONAL, "not pem")),
                certificate(
                    "nomode",
                    "nomode.test",
                    auth(ClientAuthentication.Mode.MODE_UNSPECIFIED, CA.chain()))),
            (path, problem) -> problems.add(path + ": " + problem));

    assertThat(problems)
        .hasSize(2)
        .anySatisfy(p -> assertThat(p).startsWith("certificates[1]: ").contains("ca_bundle"))
        .anySatisfy(p -> assertThat(p).startsWith("certificates[2]: ").contains("mode"));
    assertThat(index.all()).hasSize(1);
  }

  @Test
  void theIndexResolvesClientAuthenticationByTheSniRule() throws Exception {
    CertificateIndex index =
        CertificateCompiler.compile(
            List.of(
                certificate("exact", "a.example.test", null),
                certificate(
                    "wild", "*.example.test", auth(ClientAuthentication.Mode.OPTIONAL, CA.chain())),
                Certificate.newBuilder(
                        certificate(
                            "fallback",
                            "default.test",
                            auth(ClientAuthentication.Mode.REQUIRED, OTHER_CA.chain())))
                    .setDefaultCertificate(true)
                    .build()),
            (path, problem) -> {
              throw new AssertionError(path + ": " + problem);
            });

    assertThat(index.usesClientAuth()).isTrue();
    // The exact name has none, though the wildcard covering it has.
    assertThat(index.clientAuth("a.example.test")).isNull();
    assertThat(index.clientAuth("B.example.test").certificateName()).isEqualTo("certificates/wild");
    // Two labels, no SNI, unknown names: the default certificate's.
    assertThat(index.clientAuth("x.b.example.test").certificateName())
        .isEqualTo("certificates/fallback");
    assertThat(index.clientAuth(null).certificateName()).isEqualTo("certificates/fallback");
    // Built once: the same context for every lookup, with its own session cache.
    SSLContext context = index.clientAuth("b.example.test").context();
    assertThat(index.clientAuth("c.example.test").context()).isSameAs(context);
    assertThat(context.getServerSessionContext())
        .isNotSameAs(index.clientAuth(null).context().getServerSessionContext());
    SSLEngine engine = context.createSSLEngine();
    assertThat(engine).isNotNull();
  }

  @Test
  void anIndexWithoutClientAuthenticationSkipsThePeek() {
    CertificateIndex index =
        CertificateCompiler.compile(
            List.of(certificate("web", "web.test", null)), (path, problem) -> {});

    assertThat(index.usesClientAuth()).isFalse();
    assertThat(index.clientAuth("web.test")).isNull();
    assertThat(CertificateIndex.empty().usesClientAuth()).isFalse();
  }
}
