package dev.concierge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDocumentsTest {
  @TempDir Path dir;

  private static final InputStream NO_STDIN = new ByteArrayInputStream(new byte[0]);

  private Path write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    return file;
  }

  @Test
  void readsEveryDocumentOfEveryFileOfADirectoryAndRemembersWhereEachResourceWas()
      throws Exception {
    write(
        "conf/a.yaml",
        """
        clusters:
          - name: clusters/web
            endpoints: [{host: 127.0.0.1, port: 9001}]
        ---
        routes:
          - name: routes/api
            match: {path_prefix: /api}
            forward: {clusters: [{cluster: clusters/web}]}
        """);
    write(
        "conf/b.json",
        """
        {"routes": [{"name": "routes/b", "forward": {"clusters": [{"cluster": "clusters/web"}]}}]}
        """);
    write("conf/notes.txt", "not config");

    ConfigDocuments documents =
        ConfigDocuments.read(List.of(dir.resolve("conf").toString()), NO_STDIN);

    Config config = documents.config();
    assertThat(config.getClustersList())
        .extracting(Cluster::getName)
        .containsExactly("clusters/web");
    assertThat(config.getRoutesList())
        .extracting(Route::getName)
        .containsExactly("routes/api", "routes/b");
    assertThat(config.getRoutes(0).getMatch().getPathPrefix()).isEqualTo("/api");
    String a = dir.resolve("conf/a.yaml").toString();
    assertThat(documents.origin("routes[0].match.path_prefix"))
        .isEqualTo(a + " (document 2): routes[0].match.path_prefix");
    assertThat(documents.origin("routes[1].forward"))
        .isEqualTo(dir.resolve("conf/b.json") + ": routes[0].forward");
    assertThat(documents.origin("clusters[0]")).isEqualTo(a + " (document 1): clusters[0]");
    assertThat(documents.origin("routes/kept.match")).isEqualTo("routes/kept.match");
  }

  @Test
  void readsCertificateFilesBesideTheDocument() throws Exception {
    write("certs/site.crt", "CHAIN");
    write("certs/site.key", "KEY");
    Path doc =
        write(
            "certs/tls.yaml",
            """
            certificates:
              - name: certificates/site
                certificate_chain_file: site.crt
                privateKeyFile: site.key
            """);

    Config config = ConfigDocuments.read(List.of(doc.toString()), NO_STDIN).config();

    assertThat(config.getCertificates(0))
        .extracting(Certificate::getCertificateChain, Certificate::getPrivateKey)
        .containsExactly("CHAIN", "KEY");
  }

  @Test
  void readsIpAccessBlocksFromFilesBesideTheDocument() throws Exception {
    write(
        "policies/abusers.txt",
        "# from the abuse desk\n203.0.113.0/24\n\n198.51.100.7/32 # one host\n");
    write("policies/office.txt", "2001:db8::/32\n");
    Path doc =
        write(
            "policies/p.yaml",
            """
            policies:
              - name: policies/edge
                ip_access:
                  allow: [10.0.0.0/8]
                  allow_file: office.txt
                  denyFile: abusers.txt
            """);

    Config config = ConfigDocuments.read(List.of(doc.toString()), NO_STDIN).config();

    assertThat(config.getPolicies(0).getIpAccess().getAllowList())
        .containsExactly("10.0.0.0/8", "2001:db8::/32");
    assertThat(config.getPolicies(0).getIpAccess().getDenyList())
        .containsExactly("203.0.113.0/24", "198.51.100.7/32");
  }

  @Test
  void readsStandardInput() {
    InputStream stdin =
        new ByteArrayInputStream("clusters: [{name: clusters/x}]".getBytes(StandardCharsets.UTF_8));

    assertThat(ConfigDocuments.read(List.of("-"), stdin).config().getClusters(0).getName())
        .isEqualTo("clusters/x");
  }

  @Test
  void namesTheFileDocumentAndFieldOfWhatItCannotRead() throws Exception {
    Path typo = write("typo.yaml", "routes:\n  - name: routes/x\n    matc: {}\n");
    Path key = write("key.yaml", "weights: []\n");
    Path missing =
        write(
            "missing.yaml", "certificates: [{name: certificates/c, private_key_file: nope.key}]\n");
    Path broken = write("broken.yaml", "clusters: [\n");

    assertThatThrownBy(() -> ConfigDocuments.read(List.of(typo.toString()), NO_STDIN))
        .isInstanceOf(CommandFailure.class)
        .hasMessage(typo + ": routes[0]: Cannot find field: matc in message concierge.v1.Route");
    assertThatThrownBy(() -> ConfigDocuments.read(List.of(key.toString()), NO_STDIN))
        .hasMessage(
            key
                + ": unknown key \"weights\"; a document holds clusters, routes, certificates, policies");
    assertThatThrownBy(() -> ConfigDocuments.read(List.of(missing.toString()), NO_STDIN))
        .hasMessageStartingWith(missing + ": certificates[0].private_key_file: cannot read ")
        .hasMessageEndingWith("nope.key: no such file");
    assertThatThrownBy(() -> ConfigDocuments.read(List.of(broken.toString()), NO_STDIN))
        .hasMessageStartingWith(broken + " is not valid YAML or JSON: ");
    assertThatThrownBy(
            () -> ConfigDocuments.read(List.of(dir.resolve("absent.yaml").toString()), NO_STDIN))
        .hasMessage("cannot read " + dir.resolve("absent.yaml") + ": no such file");
  }

  @Test
  void whatItWritesReadsBackAsTheSameConfig() throws Exception {
    Config config =
        Config.newBuilder()
            .setRevision(7)
            .addClusters(
                Cluster.newBuilder()
                    .setName("clusters/web")
                    .setDescription("port \"8080\"\nsecond line")
                    .addEndpoints(Endpoint.newBuilder().setHost("::1").setPort(8080).setWeight(3)))
            .addRoutes(
                Route.newBuilder()
                    .setName("routes/api")
                    .setMatch(RouteMatch.newBuilder().addHosts("a.example.com").setPathPrefix("/"))
                    .setForward(
                        ForwardAction.newBuilder()
                            .addClusters(WeightedCluster.newBuilder().setCluster("clusters/web"))))
            .addCertificates(
                Certificate.newBuilder()
                    .setName("certificates/c")
                    .setCertificateChain(
                        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
            .build();

    String yaml = ConfigDocuments.yaml(config);
    assertThat(yaml).startsWith("# Concierge config at revision 7");
    Path file = write("export.yaml", yaml);
    Path json = write("export.json", ConfigDocuments.json(config));

    Config expected = config.toBuilder().clearRevision().build();
    assertThat(ConfigDocuments.read(List.of(file.toString()), NO_STDIN).config())
        .isEqualTo(expected);
    assertThat(ConfigDocuments.read(List.of(json.toString()), NO_STDIN).config())
        .isEqualTo(expected);
  }

  @Test
  void certificateDefaultAndClientAuthenticationRoundTripWithoutKeys() throws Exception {
    Certificate cert =
        Certificate.newBuilder()
            .setName("certificates/main")
            .setCertificateChain("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .setDefaultCertificate(true)
            .setClientAuthentication(
                dev.concierge.api.v1.ClientAuthentication.newBuilder()
                    .setMode(dev.concierge.api.v1.ClientAuthentication.Mode.REQUIRED)
                    .setCaBundle("-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"))
            .build();
    Config withSecrets =
        Config.newBuilder()
            .addCertificates(
                cert.toBuilder().setPrivateKey("KEYMATERIAL").setPrivateKeyPassphrase("PHRASE"))
            .build();

    String yaml = ConfigDocuments.yaml(withSecrets);
    assertThat(yaml)
        .contains("defaultCertificate: true", "mode: REQUIRED")
        .doesNotContain("KEYMATERIAL")
        .doesNotContain("PHRASE");
    assertThat(ConfigDocuments.json(withSecrets))
        .doesNotContain("KEYMATERIAL")
        .doesNotContain("PHRASE");
    Path file = write("export.yaml", yaml);
    assertThat(ConfigDocuments.read(List.of(file.toString()), NO_STDIN).config())
        .isEqualTo(Config.newBuilder().addCertificates(cert).build());
  }

  @Test
  void readsThePassphraseFileFirstLine() throws Exception {
    write("site.pass", "open sesame\nignored\n");
    Path doc =
        write(
            "site.yaml",
            """
            certificates:
              - name: certificates/site
                private_key_passphrase_file: site.pass
                default_certificate: true
            """);
    Certificate read =
        ConfigDocuments.read(List.of(doc.toString()), NO_STDIN).config().getCertificates(0);
    assertThat(read.getPrivateKeyPassphrase()).isEqualTo("open sesame");
    assertThat(read.getDefaultCertificate()).isTrue();
  }

  @Test
  void readsAConnectionLimitsPolicy() throws Exception {
    Path doc =
        write(
            "limits.yaml",
            """
        policies:
          - name: policies/edge-limits
            fleet_default: true
            connection_limits:
              max_connections_per_address: 100
              max_header_count: 100
        """);

    Config config = ConfigDocuments.read(List.of(doc.toString()), NO_STDIN).config();

    assertThat(config.getPolicies(0).getConnectionLimits())
        .isEqualTo(
            dev.concierge.api.v1.ConnectionLimits.newBuilder()
                .setMaxConnectionsPerAddress(100)
                .setMaxHeaderCount(100)
                .build());
  }
}
