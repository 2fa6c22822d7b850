package dev.concierge.controlplane.management;

import static dev.concierge.controlplane.InProcessControlPlane.failure;
import static dev.concierge.controlplane.management.CertificateValidatorTest.FROM;
import static dev.concierge.controlplane.management.CertificateValidatorTest.INTER;
import static dev.concierge.controlplane.management.CertificateValidatorTest.LEAF;
import static dev.concierge.controlplane.management.CertificateValidatorTest.LEAF_KEYS;
import static dev.concierge.controlplane.management.CertificateValidatorTest.NOW;
import static dev.concierge.controlplane.management.CertificateValidatorTest.PASSPHRASE;
import static dev.concierge.controlplane.management.CertificateValidatorTest.ROOT;
import static dev.concierge.controlplane.management.CertificateValidatorTest.chain;
import static dev.concierge.controlplane.management.CertificateValidatorTest.goodChain;
import static dev.concierge.controlplane.management.CertificateValidatorTest.leafKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.FieldMask;
import com.google.rpc.BadRequest;
import dev.concierge.api.v1.ApplyRequest;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.ExportConfigRequest;
import dev.concierge.api.v1.GetCertificateRequest;
import dev.concierge.api.v1.ListCertificatesRequest;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.UpdateCertificateRequest;
import dev.concierge.controlplane.InProcessControlPlane;
import dev.concierge.controlplane.crypto.TestCertificates;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificates through the management API of a real control plane on a fixed clock. */
class CertificateApiTest {
  @TempDir Path dir;
  private InProcessControlPlane cp;

  private ManagementServiceBlockingStub start(Duration expiryWarning) throws Exception {
    cp =
        new InProcessControlPlane(
            dir, b -> b.clock(Clock.fixed(NOW, ZoneOffset.UTC)).certExpiryWarning(expiryWarning));
    return cp.admin();
  }

  private ManagementServiceBlockingStub start() throws Exception {
    return start(Duration.ofDays(14));
  }

  @AfterEach
  void stop() {
    if (cp != null) {
      cp.close();
    }
  }

  private static List<BadRequest.FieldViolation> violations(StatusRuntimeException e)
      throws Exception {
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    for (Any any : StatusProto.fromThrowable(e).getDetailsList()) {
      if (any.is(BadRequest.class)) {
        return any.unpack(BadRequest.class).getFieldViolationsList();
      }
    }
    throw new AssertionError("no BadRequest in " + e);
  }

  private static Certificate pair(String chain, String key) {
    return Certificate.newBuilder().setCertificateChain(chain).setPrivateKey(key).build();
  }

  private static CreateCertificateRequest create(String id, Certificate c, boolean validateOnly) {
    return CreateCertificateRequest.newBuilder()
        .setCertificateId(id)
        .setCertificate(c)
        .setValidateOnly(validateOnly)
        .build();
  }

  private static List<Certificate> list(ManagementServiceBlockingStub admin) {
    return admin
        .listCertificates(ListCertificatesRequest.getDefaultInstance())
        .getCertificatesList();
  }

  @Test
  void eachBadInputIsRefusedWithItsFieldThroughCreateUpdateApplyAndValidateOnly() throws Exception {
    ManagementServiceBlockingStub admin = start();
    Certificate good = admin.createCertificate(create("good", pair(goodChain(), leafKey()), false));
    String encrypted = TestCertificates.encryptedPkcs8(LEAF_KEYS.getPrivate(), PASSPHRASE);
    X509Certificate expired =
        CertificateValidatorTest.leaf(LEAF_KEYS, FROM, NOW.minus(Duration.ofDays(1)));
    Map<String, Certificate> bad =
        Map.of(
            "certificate_chain|not PEM",
            pair("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", leafKey()),
            "certificate_chain|out of order",
            pair(chain(LEAF, ROOT, INTER), leafKey()),
            "certificate_chain|has expired",
            pair(chain(expired, INTER), leafKey()),
            "private_key|does not match",
            pair(goodChain(), TestCertificates.pkcs8(TestCertificates.ec().getPrivate())),
            "private_key_passphrase|is wrong",
            pair(goodChain(), encrypted).toBuilder().setPrivateKeyPassphrase("nope").build(),
            "private_key_passphrase|a passphrase is needed",
            pair(goodChain(), encrypted));
    List<Certificate> before = list(admin);
    long revision = admin.exportConfig(ExportConfigRequest.getDefaultInstance()).getRevision();
    for (Map.Entry<String, Certificate> e : bad.entrySet()) {
      String field = e.getKey().substring(0, e.getKey().indexOf('|'));
      String why = e.getKey().substring(e.getKey().indexOf('|') + 1);
      for (boolean validateOnly : new boolean[] {false, true}) {
        List<BadRequest.FieldViolation> created =
            violations(
                failure(() -> admin.createCertificate(create("bad", e.getValue(), validateOnly))));
        assertThat(created).hasSize(1);
        assertThat(created.get(0).getField()).isEqualTo("certificate." + field);
        assertThat(created.get(0).getDescription()).contains(why).doesNotContain(PASSPHRASE);
        List<BadRequest.FieldViolation> updated =
            violations(
                failure(
                    () ->
                        admin.updateCertificate(
                            UpdateCertificateRequest.newBuilder()
                                .setCertificate(e.getValue().toBuilder().setName(good.getName()))
                                .setUpdateMask(
                                    FieldMask.newBuilder()
                                        .addPaths("certificate_chain")
                                        .addPaths("private_key")
                                        .addPaths("private_key_passphrase"))
                                .setValidateOnly(validateOnly)
                                .build())));
        assertThat(updated.get(0).getField()).isEqualTo("certificate." + field);
      }
      List<BadRequest.FieldViolation> applied =
          violations(
              failure(
                  () ->
                      admin.apply(
                          ApplyRequest.newBuilder()
                              .setConfig(
                                  Config.newBuilder()
                                      .addCertificates(
                                          e.getValue().toBuilder().setName("certificates/bad")))
                              .build())));
      assertThat(applied.get(0).getField()).isEqualTo("certificates[0]." + field);
      assertThat(applied.get(0).getDescription()).contains(why);
    }
    assertThat(list(admin)).isEqualTo(before);
    assertThat(admin.exportConfig(ExportConfigRequest.getDefaultInstance()).getRevision())
        .isEqualTo(revision);
  }

  @Test
  void aPassphraseProtectedKeyIsTakenAndNeitherKeyNorPassphraseComesBack() throws Exception {
    ManagementServiceBlockingStub admin = start();
    String encrypted = TestCertificates.encryptedPkcs8(LEAF_KEYS.getPrivate(), PASSPHRASE);
    Certificate created =
        admin.createCertificate(
            create(
                "www",
                pair(goodChain(), encrypted).toBuilder()
                    .setPrivateKeyPassphrase(PASSPHRASE)
                    .build(),
                false));
    Certificate got =
        admin.getCertificate(
            GetCertificateRequest.newBuilder().setName("certificates/www").build());
    for (Certificate c : List.of(created, got, list(admin).get(0))) {
      assertThat(c.getPrivateKey()).isEmpty();
      assertThat(c.getPrivateKeyPassphrase()).isEmpty();
      assertThat(c.getIssuer()).isEqualTo("CN=Test Intermediate,O=Concierge Test");
      assertThat(c.getKeyType()).isEqualTo("EC P-256");
      assertThat(c.getSerialNumber()).isEqualTo("abcdef0123");
      assertThat(c.getDnsNamesList()).containsExactly("www.example.test", "api.example.test");
      assertThat(c.getExpiring()).isFalse();
      assertThat(c.getServingNodesList()).isEmpty();
    }
    assertThat(admin.exportConfig(ExportConfigRequest.getDefaultInstance()).toString())
        .doesNotContain(PASSPHRASE)
        .doesNotContain("PRIVATE KEY")
        .doesNotContain("key_type")
        .doesNotContain("issuer");
  }

  @Test
  void flagsCertificatesWithinTheExpiryWarningWindow() throws Exception {
    ManagementServiceBlockingStub admin = start();
    X509Certificate soon =
        CertificateValidatorTest.leaf(LEAF_KEYS, FROM, NOW.plus(Duration.ofDays(10)));
    Certificate created =
        admin.createCertificate(create("soon", pair(chain(soon, INTER), leafKey()), false));
    assertThat(created.getExpiring()).isTrue();
    admin.createCertificate(create("later", pair(goodChain(), leafKey()), false));
    assertThat(list(admin))
        .extracting(Certificate::getName, Certificate::getExpiring)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("certificates/later", false),
            org.assertj.core.groups.Tuple.tuple("certificates/soon", true));
    cp.close();
    ManagementServiceBlockingStub narrow = start(Duration.ofDays(5));
    assertThat(list(narrow)).extracting(Certificate::getExpiring).containsExactly(false, false);
  }

  @Test
  void atMostOneCertificateIsTheDefault() throws Exception {
    ManagementServiceBlockingStub admin = start();
    admin.createCertificate(
        create(
            "a",
            pair(goodChain(), leafKey()).toBuilder().setDefaultCertificate(true).build(),
            false));
    Certificate second =
        pair(goodChain(), leafKey()).toBuilder().setDefaultCertificate(true).build();
    List<BadRequest.FieldViolation> created =
        violations(failure(() -> admin.createCertificate(create("b", second, false))));
    assertThat(created.get(0).getField()).isEqualTo("certificate.default_certificate");
    assertThat(created.get(0).getDescription())
        .contains("certificates/a is already the default certificate");

    admin.createCertificate(create("b", pair(goodChain(), leafKey()), false));
    UpdateCertificateRequest makeBDefault =
        UpdateCertificateRequest.newBuilder()
            .setCertificate(
                Certificate.newBuilder().setName("certificates/b").setDefaultCertificate(true))
            .setUpdateMask(FieldMask.newBuilder().addPaths("default_certificate"))
            .build();
    List<BadRequest.FieldViolation> updated =
        violations(failure(() -> admin.updateCertificate(makeBDefault)));
    assertThat(updated.get(0).getField()).isEqualTo("certificate.default_certificate");
    assertThat(updated.get(0).getDescription()).contains("certificates/a");

    // Re-marking the default itself is no conflict.
    admin.updateCertificate(
        makeBDefault.toBuilder()
            .setCertificate(
                Certificate.newBuilder().setName("certificates/a").setDefaultCertificate(true))
            .build());

    Config twoDefaults =
        Config.newBuilder()
            .addCertificates(
                Certificate.newBuilder()
                    .setName("certificates/c")
                    .setCertificateChain(goodChain())
                    .setPrivateKey(leafKey())
                    .setDefaultCertificate(true))
            .build();
    List<BadRequest.FieldViolation> applied =
        violations(
            failure(() -> admin.apply(ApplyRequest.newBuilder().setConfig(twoDefaults).build())));
    assertThat(applied.get(0).getField()).isEqualTo("certificates[0].default_certificate");
    assertThat(applied.get(0).getDescription()).contains("certificates/a");

    admin.updateCertificate(
        UpdateCertificateRequest.newBuilder()
            .setCertificate(Certificate.newBuilder().setName("certificates/a"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("default_certificate"))
            .build());
    admin.updateCertificate(makeBDefault);
    assertThat(list(admin))
        .extracting(Certificate::getName, Certificate::getDefaultCertificate)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("certificates/a", false),
            org.assertj.core.groups.Tuple.tuple("certificates/b", true));
  }
}
