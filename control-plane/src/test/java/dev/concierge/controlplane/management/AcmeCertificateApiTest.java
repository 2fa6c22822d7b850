package dev.concierge.controlplane.management;

import static dev.concierge.controlplane.InProcessControlPlane.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import dev.concierge.api.v1.AcmeManaged;
import dev.concierge.api.v1.AcmeStatus;
import dev.concierge.api.v1.ApplyRequest;
import dev.concierge.api.v1.ApplyResponse;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ExportConfigRequest;
import dev.concierge.api.v1.ListCertificatesRequest;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.RenewCertificateRequest;
import dev.concierge.api.v1.UpstreamTls;
import dev.concierge.controlplane.InProcessControlPlane;
import dev.concierge.controlplane.acme.AcmeSettings;
import dev.concierge.controlplane.crypto.TestCertificates;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ACME-managed certificates through the management API: validation, output, renew. */
class AcmeCertificateApiTest {
  @TempDir Path dir;
  private InProcessControlPlane cp;

  /** A control plane whose ACME server nobody answers: orders fail, validation is the point. */
  private ManagementServiceBlockingStub startWithAcme() throws Exception {
    cp =
        new InProcessControlPlane(
            dir,
            b ->
                b.acme(
                        new AcmeSettings(
                            URI.create("https://127.0.0.1:1/dir"), "", Optional.empty()))
                    .acmeCheck(Duration.ofHours(1)));
    return cp.admin();
  }

  @AfterEach
  void stop() {
    if (cp != null) {
      cp.close();
    }
  }

  private static Certificate acme(String... names) {
    return Certificate.newBuilder()
        .setAcme(AcmeManaged.newBuilder().addAllNames(java.util.List.of(names)))
        .build();
  }

  private static CreateCertificateRequest create(String id, Certificate certificate) {
    return CreateCertificateRequest.newBuilder()
        .setCertificateId(id)
        .setCertificate(certificate)
        .build();
  }

  private static Map<String, String> violations(StatusRuntimeException e) throws Exception {
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    Map<String, String> byField = new TreeMap<>();
    for (Any any : StatusProto.fromThrowable(e).getDetailsList()) {
      if (any.is(BadRequest.class)) {
        any.unpack(BadRequest.class)
            .getFieldViolationsList()
            .forEach(v -> byField.put(v.getField(), v.getDescription()));
      }
    }
    return byField;
  }

  @Test
  void createsAPendingCertificateThatNoNodeIsSentYet() throws Exception {
    ManagementServiceBlockingStub api = startWithAcme();

    Certificate created = api.createCertificate(create("site", acme("a.example.test")));

    assertThat(created.getAcme().getNamesList()).containsExactly("a.example.test");
    assertThat(created.getAcmeStatus().getState()).isEqualTo(AcmeStatus.State.PENDING);
    assertThat(created.getCertificateChain()).isEmpty();
    assertThat(
            api.listCertificates(ListCertificatesRequest.getDefaultInstance())
                .getCertificatesList())
        .singleElement()
        .satisfies(c -> assertThat(c.getName()).isEqualTo("certificates/site"));
  }

  @Test
  void refusesBadNamesWildcardsAndAChainBesideAcmeNamingEachField() throws Exception {
    ManagementServiceBlockingStub api = startWithAcme();
    String[] pair = TestCertificates.chainAndKey("a.example.test");

    Map<String, String> none =
        violations(failure(() -> api.createCertificate(create("c1", acme()))));
    Map<String, String> bad =
        violations(
            failure(
                () ->
                    api.createCertificate(
                        create(
                            "c2",
                            acme("*.example.test", "Upper.example.test", "a b", "x.test", "x.test")
                                .toBuilder()
                                .setCertificateChain(pair[0])
                                .setPrivateKey(pair[1])
                                .build()))));

    assertThat(none).containsOnlyKeys("certificate.acme.names");
    assertThat(bad)
        .containsOnlyKeys(
            "certificate.acme.names[0]",
            "certificate.acme.names[1]",
            "certificate.acme.names[2]",
            "certificate.acme.names[4]",
            "certificate.certificate_chain");
    assertThat(bad.get("certificate.acme.names[0]")).contains("wildcard").contains("HTTP-01");
    assertThat(bad.get("certificate.acme.names[1]")).contains("lower case");
    assertThat(bad.get("certificate.acme.names[4]")).contains("twice");
    assertThat(bad.get("certificate.certificate_chain")).contains("not both");
    assertThat(
            api.listCertificates(ListCertificatesRequest.getDefaultInstance())
                .getCertificatesCount())
        .isZero();
  }

  @Test
  void configApplyCreatesAcmeCertificatesAndTheirExportAppliesAgainUnchanged() throws Exception {
    ManagementServiceBlockingStub api = startWithAcme();
    Config config =
        Config.newBuilder()
            .addCertificates(acme("a.example.test").toBuilder().setName("certificates/site"))
            .build();

    ApplyResponse first = api.apply(ApplyRequest.newBuilder().setConfig(config).build());
    Config exported = api.exportConfig(ExportConfigRequest.getDefaultInstance());
    ApplyResponse again = api.apply(ApplyRequest.newBuilder().setConfig(exported).build());

    assertThat(first.getChanged()).isTrue();
    assertThat(exported.getCertificates(0).getAcme().getNamesList())
        .containsExactly("a.example.test");
    assertThat(again.getChanged()).isFalse();
    Map<String, String> withKey =
        violations(
            failure(
                () ->
                    api.apply(
                        ApplyRequest.newBuilder()
                            .setConfig(
                                Config.newBuilder()
                                    .addCertificates(
                                        acme("a.example.test").toBuilder()
                                            .setName("certificates/other")
                                            .setPrivateKey("x")))
                            .build())));
    assertThat(withKey).containsKey("certificates[0].private_key");
  }

  @Test
  void aClusterCannotPresentAnAcmeCertificateNotIssuedYet() throws Exception {
    ManagementServiceBlockingStub api = startWithAcme();
    api.createCertificate(create("site", acme("a.example.test")));

    StatusRuntimeException e =
        failure(
            () ->
                api.createCluster(
                    CreateClusterRequest.newBuilder()
                        .setClusterId("api")
                        .setCluster(
                            Cluster.newBuilder()
                                .addEndpoints(
                                    Endpoint.newBuilder().setHost("127.0.0.1").setPort(8443))
                                .setTls(
                                    UpstreamTls.newBuilder()
                                        .setClientCertificate("certificates/site")))
                        .build()));

    // Every node would refuse a snapshot whose cluster names a certificate it was not sent.
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("every node would reject");
  }

  @Test
  void refusesAcmeCertificatesWithoutAnAcmeServer() throws Exception {
    cp = new InProcessControlPlane(dir);
    ManagementServiceBlockingStub api = cp.admin();

    Map<String, String> violations =
        violations(failure(() -> api.createCertificate(create("site", acme("a.example.test")))));

    assertThat(violations).containsOnlyKeys("certificate.acme");
    assertThat(violations.get("certificate.acme")).contains("--acme-directory");
  }

  @Test
  void renewRefusesACertificateAcmeDoesNotManage() throws Exception {
    ManagementServiceBlockingStub api = startWithAcme();
    String[] pair = TestCertificates.chainAndKey("a.example.test");
    api.createCertificate(
        create(
            "plain",
            Certificate.newBuilder().setCertificateChain(pair[0]).setPrivateKey(pair[1]).build()));

    StatusRuntimeException e =
        failure(
            () ->
                api.renewCertificate(
                    RenewCertificateRequest.newBuilder().setName("certificates/plain").build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription()).contains("not managed by ACME");
  }
}
