package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.UpstreamTls;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpstreamTlsRulesTest {
  // A self-signed EC CA (CN=Test CA) made with openssl for this test.
  static final String CA =
      "-----BEGIN CERTIFICATE-----\n"
          + "MIIBfDCCASGgAwIBAgIUDmUqgLGXUx1V2EEBj1sGYQLWtWMwCgYIKoZIzj0EAwIw\n"
          + "EjEQMA4GA1UEAwwHVGVzdCBDQTAgFw0yNjEyMDYwNDEyNDFaGA8yMTI2MTExMjA0\n"
          + "MTI0MVowEjEQMA4GA1UEAwwHVGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
          + "A0IABP4WVZLHXHUVlOLWmtPtbIbwzD8SXJm4Y9TktmN9FuAIpiryaxFMPxzBzNfG\n"
          + "JOpl5vNpf9mX2a7yHKxlz+zn8gijUzBRMB0GA1UdDgQWBBT1ZuSWmzNgNRf5sko9\n"
          + "9D7MDrlJ4zAfBgNVHSMEGDAWgBT1ZuSWmzNgNRf5sko99D7MDrlJ4zAPBgNVHRMB\n"
          + "Af8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQCvV3HbdJGIpl4fS3lEkumq16rL\n"
          + "3icrPB3E1PF6nnmSBAIhAI+/Gttc/geEvENkj/AxKOKb5cbdCmwjXa0OR5eUM2TL\n"
          + "-----END CERTIFICATE-----\n";

  private static List<String> violations(UpstreamTls.Builder tls) {
    List<String> found = new ArrayList<>();
    Cluster cluster = Cluster.newBuilder().setTls(tls).build();
    UpstreamTlsRules.check(cluster, "cluster", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  @Test
  void acceptsSystemTrustACaBundleAServerNameAndACertificateName() {
    assertThat(violations(UpstreamTls.newBuilder())).isEmpty();
    assertThat(
            violations(
                UpstreamTls.newBuilder()
                    .setCaBundle(CA + CA)
                    .setServerName("api.internal.example")
                    .setClientCertificate("certificates/client")))
        .isEmpty();
    assertThat(violations(UpstreamTls.newBuilder().setInsecureSkipVerify(true))).isEmpty();
  }

  @Test
  void rejectsABundleThatIsNotPemCertificates() {
    assertThat(violations(UpstreamTls.newBuilder().setCaBundle("hello")))
        .singleElement()
        .asString()
        .startsWith("cluster.tls.ca_bundle: must hold PEM certificates");
    String broken = CA.replace("MIIB", "MIIX");
    assertThat(violations(UpstreamTls.newBuilder().setCaBundle(broken)))
        .singleElement()
        .asString()
        .startsWith("cluster.tls.ca_bundle: is not a PEM certificate bundle");
    assertThat(
            violations(
                UpstreamTls.newBuilder()
                    .setCaBundle(
                        CA + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")))
        .containsExactly("cluster.tls.ca_bundle: must not hold a private key");
  }

  @Test
  void rejectsABundleTogetherWithSkippedVerification() {
    assertThat(violations(UpstreamTls.newBuilder().setCaBundle(CA).setInsecureSkipVerify(true)))
        .singleElement()
        .asString()
        .startsWith("cluster.tls.insecure_skip_verify: verifies nothing");
  }

  @Test
  void rejectsBadServerNamesAndCertificateNames() {
    assertThat(
            violations(
                UpstreamTls.newBuilder()
                    .setServerName("Api.Example")
                    .setClientCertificate("clusters/x")))
        .containsExactly(
            "cluster.tls.server_name: must be in lower case",
            "cluster.tls.client_certificate: "
                + ResourceIds.nameProblem(ResourceIds.CERTIFICATES, "clusters/x"));
    assertThat(violations(UpstreamTls.newBuilder().setServerName("a..b")))
        .containsExactly("cluster.tls.server_name: has an empty label");
  }

  @Test
  void parsesEveryCertificateOfABundle() throws CertificateException {
    assertThat(UpstreamTlsRules.caCertificates(CA + CA))
        .hasSize(2)
        .allSatisfy(c -> assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=Test CA"));
    assertThatThrownBy(() -> UpstreamTlsRules.caCertificates(""))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void snapshotRulesRequireTheClientCertificateInTheSnapshot() {
    Cluster cluster =
        Cluster.newBuilder()
            .setName("clusters/a")
            .setTls(UpstreamTls.newBuilder().setClientCertificate("certificates/client"))
            .build();
    List<String> found = new ArrayList<>();
    UpstreamTlsRules.checkReferences(
        ConfigSnapshot.newBuilder().addClusters(cluster).build(),
        (f, why) -> found.add(f + ": " + why));
    assertThat(found)
        .containsExactly(
            "clusters/a.tls.client_certificate: certificate \"certificates/client\" does not exist");
    found.clear();
    UpstreamTlsRules.checkReferences(
        ConfigSnapshot.newBuilder()
            .addClusters(cluster)
            .addCertificates(Certificate.newBuilder().setName("certificates/client"))
            .build(),
        (f, why) -> found.add(f + ": " + why));
    assertThat(found).isEmpty();
  }
}
