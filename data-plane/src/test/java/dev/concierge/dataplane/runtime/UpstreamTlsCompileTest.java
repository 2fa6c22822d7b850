package dev.concierge.dataplane.runtime;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.UpstreamTls;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

class UpstreamTlsCompileTest {
  // Made with openssl for this test: a self-signed CA, and a client certificate it signed with its
  // key in PKCS#8, as snapshots carry keys.
  private static final String CA =
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
  private static final String CLIENT_CHAIN =
      "-----BEGIN CERTIFICATE-----\n"
          + "MIIBhTCCASygAwIBAgIUXPGoGE8jDkp8pV4W3i9u+AcvxrowCgYIKoZIzj0EAwIw\n"
          + "EjEQMA4GA1UEAwwHVGVzdCBDQTAgFw0yNjEyMDYwNDM1NDRaGA8yMTI2MTExMjA0\n"
          + "MzU0NFowFjEUMBIGA1UEAwwLY2xpZW50LnRlc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
          + "PQMBBwNCAAT8rPxt/LFZmtCTRfBDwJUpglxGfk1e6nqF0ItDHvcj016B7O5AqyP+\n"
          + "8KFvPMjvsEhTNxXsAOmBWh4wKGNdPdqio1owWDAWBgNVHREEDzANggtjbGllbnQu\n"
          + "dGVzdDAdBgNVHQ4EFgQUVv2RRFfeq+HoOgs/oiRpeN2O9WIwHwYDVR0jBBgwFoAU\n"
          + "9WbklpszYDUX+bJKPfQ+zA65SeMwCgYIKoZIzj0EAwIDRwAwRAIgbtT9mKBfVBic\n"
          + "frwTeMNrj/P1gvMq3wMvDDQX0mboGDwCIDHbl/Wp6eoLsGy/cVSdmVMZ2ULWDjUy\n"
          + "ofZ04fZGbDm1\n"
          + "-----END CERTIFICATE-----\n";
  private static final String CLIENT_KEY =
      "-----BEGIN PRIVATE KEY-----\n"
          + "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgq13WUbiXqn9OZUNJ\n"
          + "SJfJDkbdRXAirOeMRH/U+feVw8uhRANCAAT8rPxt/LFZmtCTRfBDwJUpglxGfk1e\n"
          + "6nqF0ItDHvcj016B7O5AqyP+8KFvPMjvsEhTNxXsAOmBWh4wKGNdPdqi\n"
          + "-----END PRIVATE KEY-----\n";

  private final RuntimeCompiler compiler = new RuntimeCompiler();

  private static Cluster tlsCluster(String id, UpstreamTls.Builder tls) {
    return cluster(id, 8443).toBuilder().setTls(tls).build();
  }

  private static Certificate client(String key) {
    return Certificate.newBuilder()
        .setName("certificates/client")
        .setCertificateChain(CLIENT_CHAIN)
        .setPrivateKey(key)
        .build();
  }

  private UpstreamTlsPolicy compiled(ConfigSnapshot snapshot, String cluster) throws Exception {
    return compiler.compile(snapshot).clusters().get(cluster).tls();
  }

  @Test
  void compilesAClusterWithTlsAndLeavesAPlainOneWithout() throws Exception {
    ConfigSnapshot snapshot =
        snapshot(
            1,
            List.of(
                tlsCluster("secure", UpstreamTls.newBuilder().setCaBundle(CA)),
                cluster("plain", 8080)),
            List.of());

    Runtime runtime = compiler.compile(snapshot);

    assertThat(runtime.clusters().get("clusters/secure").tls()).isNotNull();
    assertThat(runtime.clusters().get("clusters/secure").tls().verifies()).isTrue();
    assertThat(runtime.clusters().get("clusters/plain").tls()).isNull();
  }

  @Test
  void keepsAnUnchangedPolicyAcrossCompilesSoItsPooledConnectionsStayWarm() throws Exception {
    UpstreamTls.Builder tls = UpstreamTls.newBuilder().setCaBundle(CA).setServerName("a.test");
    UpstreamTlsPolicy first =
        compiled(snapshot(1, List.of(tlsCluster("s", tls)), List.of()), "clusters/s");
    UpstreamTlsPolicy again =
        compiled(
            snapshot(2, List.of(tlsCluster("s", tls), cluster("other", 80)), List.of()),
            "clusters/s");
    UpstreamTlsPolicy changed =
        compiled(
            snapshot(3, List.of(tlsCluster("s", tls.clone().setServerName("b.test"))), List.of()),
            "clusters/s");

    assertThat(again).isSameAs(first);
    assertThat(changed).isNotSameAs(first);
    assertThat(changed.serverName()).isEqualTo("b.test");
  }

  @Test
  void compilesAClientCertificateAndItsKey() throws Exception {
    ConfigSnapshot snapshot =
        snapshot(
                1,
                List.of(
                    tlsCluster(
                        "mutual",
                        UpstreamTls.newBuilder()
                            .setCaBundle(CA)
                            .setClientCertificate("certificates/client"))),
                List.of())
            .toBuilder()
            .addCertificates(client(CLIENT_KEY))
            .build();

    assertThat(compiled(snapshot, "clusters/mutual").toString())
        .contains("client certificates/client");
  }

  @Test
  void refusesAClientCertificateWhoseKeyIsNoKeyNamingTheCertificate() {
    ConfigSnapshot snapshot =
        snapshot(
                1,
                List.of(
                    tlsCluster(
                        "mutual",
                        UpstreamTls.newBuilder().setClientCertificate("certificates/client"))),
                List.of())
            .toBuilder()
            .addCertificates(
                client("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
            .build();

    assertThatThrownBy(() -> compiler.compile(snapshot))
        .isInstanceOf(CompileException.class)
        .hasMessageContaining("certificates/client")
        .hasMessageContaining("private_key");
  }

  @Test
  void enginesSendTheServerNameOrTheEndpointsHostAndVerifyIt() throws Exception {
    UpstreamTlsPolicy named =
        UpstreamTlsPolicy.of(UpstreamTls.newBuilder().setServerName("api.test").build(), null);
    UpstreamTlsPolicy byHost = UpstreamTlsPolicy.of(UpstreamTls.getDefaultInstance(), null);
    UpstreamTlsPolicy unverified =
        UpstreamTlsPolicy.of(UpstreamTls.newBuilder().setInsecureSkipVerify(true).build(), null);
    Endpoint ip = new Endpoint("127.0.0.1", 8443, 1, 0);
    Endpoint name = new Endpoint("localhost", 8443, 1, 0);

    SSLEngine engine = named.newEngine(ip);
    assertThat(engine.getUseClientMode()).isTrue();
    assertThat(engine.getPeerHost()).isEqualTo("api.test");
    assertThat(engine.getSSLParameters().getServerNames())
        .containsExactly(new SNIHostName("api.test"));
    assertThat(engine.getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
    assertThat(engine.getSSLParameters().getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");

    assertThat(byHost.newEngine(name).getSSLParameters().getServerNames())
        .containsExactly(new SNIHostName("localhost"));
    // An IP literal: no SNI, verified against the certificate's IP addresses.
    assertThat(byHost.newEngine(ip).getSSLParameters().getServerNames()).isNullOrEmpty();
    assertThat(byHost.newEngine(ip).getPeerHost()).isEqualTo("127.0.0.1");

    assertThat(unverified.newEngine(name).getSSLParameters().getEndpointIdentificationAlgorithm())
        .isNull();
  }
}
