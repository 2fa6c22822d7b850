package dev.concierge.controlplane.management;

import static dev.concierge.controlplane.InProcessControlPlane.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.protobuf.util.JsonFormat;
import dev.concierge.api.v1.AuditEvent;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.CreateConsumerKeyRequest;
import dev.concierge.api.v1.CreateConsumerKeyResponse;
import dev.concierge.api.v1.CreateConsumerRequest;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.DeleteBasicCredentialRequest;
import dev.concierge.api.v1.DeleteConsumerKeyRequest;
import dev.concierge.api.v1.DeleteConsumerRequest;
import dev.concierge.api.v1.DeletePolicyRequest;
import dev.concierge.api.v1.ExportConfigRequest;
import dev.concierge.api.v1.GetConsumerRequest;
import dev.concierge.api.v1.GetRevisionRequest;
import dev.concierge.api.v1.KeyAuth;
import dev.concierge.api.v1.ListAuditEventsRequest;
import dev.concierge.api.v1.ListConsumersRequest;
import dev.concierge.api.v1.ListRevisionsRequest;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.SetBasicCredentialRequest;
import dev.concierge.api.v1.UpdateConsumerRequest;
import dev.concierge.controlplane.InProcessControlPlane;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumers go through the one resource path; their credentials through their own calls: a key is
 * returned once and never again (neither it nor its hash in get, list, export, history or audit),
 * passwords are hashed and never returned, a consumer a policy allows cannot be deleted.
 */
class ConsumerApiTest {
  @TempDir Path dir;
  private InProcessControlPlane cp;
  private ManagementServiceBlockingStub admin;

  @BeforeEach
  void start() throws Exception {
    cp = new InProcessControlPlane(dir);
    admin = cp.admin();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private Consumer createConsumer(String id) {
    return admin.createConsumer(
        CreateConsumerRequest.newBuilder()
            .setConsumerId(id)
            .setConsumer(Consumer.newBuilder().setDescription("app " + id).putLabels("team", "a"))
            .build());
  }

  private Consumer get(String name) {
    return admin.getConsumer(GetConsumerRequest.newBuilder().setName(name).build());
  }

  /** Everything a person can read back: get, list, export, every revision, the audit log. */
  private String everythingReadable() throws Exception {
    StringBuilder all = new StringBuilder();
    JsonFormat.Printer json = JsonFormat.printer();
    for (Consumer c :
        admin.listConsumers(ListConsumersRequest.getDefaultInstance()).getConsumersList()) {
      all.append(json.print(c)).append(json.print(get(c.getName())));
    }
    all.append(json.print(admin.exportConfig(ExportConfigRequest.getDefaultInstance())));
    for (var revision :
        admin.listRevisions(ListRevisionsRequest.getDefaultInstance()).getRevisionsList()) {
      all.append(
          json.print(
              admin.getRevision(
                  GetRevisionRequest.newBuilder().setRevision(revision.getRevision()).build())));
    }
    for (AuditEvent event :
        admin.listAuditEvents(ListAuditEventsRequest.getDefaultInstance()).getEventsList()) {
      all.append(json.print(event));
    }
    return all.toString();
  }

  @Test
  void createsGetsListsUpdatesAndDeletesConsumers() {
    Consumer created = createConsumer("alice");
    assertThat(created.getName()).isEqualTo("consumers/alice");
    assertThat(created.getLabelsMap()).containsEntry("team", "a");
    assertThat(get("consumers/alice")).isEqualTo(created);

    Consumer updated =
        admin.updateConsumer(
            UpdateConsumerRequest.newBuilder()
                .setConsumer(Consumer.newBuilder().setName("consumers/alice").setDescription("x"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                .build());
    assertThat(updated.getDescription()).isEqualTo("x");
    assertThat(updated.getLabelsMap()).containsEntry("team", "a");

    StatusRuntimeException badLabel =
        failure(
            () ->
                admin.createConsumer(
                    CreateConsumerRequest.newBuilder()
                        .setConsumerId("bob")
                        .setConsumer(Consumer.newBuilder().putLabels("Bad Key", "v"))
                        .build()));
    assertThat(badLabel.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

    admin.deleteConsumer(DeleteConsumerRequest.newBuilder().setName("consumers/alice").build());
    assertThat(admin.listConsumers(ListConsumersRequest.getDefaultInstance()).getConsumersList())
        .isEmpty();
  }

  @Test
  void aKeyIsReturnedOnceAndNeitherItNorItsHashIsEverReadBack() throws Exception {
    createConsumer("alice");
    CreateConsumerKeyResponse key =
        admin.createConsumerKey(
            CreateConsumerKeyRequest.newBuilder().setName("consumers/alice").build());
    String secret = key.getSecret();
    assertThat(secret).startsWith("ck_").hasSize(46);
    assertThat(Base64.getUrlDecoder().decode(secret.substring(3))).hasSize(32);
    assertThat(key.getKey().getDisplayPrefix()).isEqualTo(secret.substring(0, 7));
    assertThat(key.getKey().getId()).matches("[0-9a-f]{8}");
    assertThat(key.getKey().getSha256().isEmpty()).isTrue();

    CreateConsumerKeyResponse other =
        admin.createConsumerKey(
            CreateConsumerKeyRequest.newBuilder().setName("consumers/alice").build());
    assertThat(other.getSecret()).isNotEqualTo(secret);

    Consumer alice = get("consumers/alice");
    assertThat(alice.getKeysList())
        .extracting(k -> k.getId())
        .containsExactly(key.getKey().getId(), other.getKey().getId());
    assertThat(alice.getKeysList()).allMatch(k -> k.getSha256().isEmpty());
    assertThat(admin.listConsumers(ListConsumersRequest.getDefaultInstance()).getConsumers(0))
        .satisfies(c -> assertThat(c.getKeysCount()).isZero());

    byte[] hash =
        java.security.MessageDigest.getInstance("SHA-256")
            .digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String readable = everythingReadable();
    assertThat(readable)
        .doesNotContain(secret)
        .doesNotContain(secret.substring(10))
        .doesNotContain(Base64.getEncoder().encodeToString(hash))
        .doesNotContain(HexFormat.of().formatHex(hash));

    Consumer afterDelete =
        admin.deleteConsumerKey(
            DeleteConsumerKeyRequest.newBuilder()
                .setName("consumers/alice")
                .setKeyId(key.getKey().getId())
                .build());
    assertThat(afterDelete.getKeysList())
        .extracting(k -> k.getId())
        .containsExactly(other.getKey().getId());
    StatusRuntimeException gone =
        failure(
            () ->
                admin.deleteConsumerKey(
                    DeleteConsumerKeyRequest.newBuilder()
                        .setName("consumers/alice")
                        .setKeyId(key.getKey().getId())
                        .build()));
    assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  private Consumer setBasic(String consumer, String username, String password, String hash) {
    return admin.setBasicCredential(
        SetBasicCredentialRequest.newBuilder()
            .setName("consumers/" + consumer)
            .setUsername(username)
            .setPassword(password)
            .setPasswordHash(hash)
            .build());
  }

  @Test
  void passwordsAreHashedOrTakenAsHashesAndNeverReadBack() throws Exception {
    createConsumer("alice");
    createConsumer("bob");
    Consumer alice = setBasic("alice", "alice", "correct horse battery", "");
    assertThat(alice.getBasicCredentials(0).getUsername()).isEqualTo("alice");
    assertThat(alice.getBasicCredentials(0).getPasswordHash()).isEmpty();
    String argon =
        "$argon2id$v=19$m=1024,t=2,p=1$kcK8WktI7TYUINRfAzHXKg$"
            + "g3PePMjdTYGG26IAUPczvwhY9fdK+8JQksvGcE3O9ko";
    setBasic("bob", "bob", "", argon);

    StatusRuntimeException taken = failure(() -> setBasic("bob", "alice", "x", ""));
    assertThat(taken.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(taken.getStatus().getDescription())
        .contains("already a username of consumers/alice");
    StatusRuntimeException badHash =
        failure(() -> setBasic("bob", "bob2", "", "{SHA}secret-looking"));
    assertThat(badHash.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badHash.getStatus().getDescription()).doesNotContain("secret-looking");
    StatusRuntimeException both = failure(() -> setBasic("bob", "bob2", "p", argon));
    assertThat(both.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

    String readable = everythingReadable();
    assertThat(readable)
        .doesNotContain("correct horse battery")
        .doesNotContain("$2b$10$")
        .doesNotContain("g3PePMjdTYGG26IAUPczvwhY9fdK")
        .contains("\"username\": \"bob\"");

    Consumer removed =
        admin.deleteBasicCredential(
            DeleteBasicCredentialRequest.newBuilder()
                .setName("consumers/bob")
                .setUsername("bob")
                .build());
    assertThat(removed.getBasicCredentialsCount()).isZero();
  }

  @Test
  void aConsumerAPolicyAllowsCannotBeDeletedAndOneNeedsToExist() {
    Policy partners =
        Policy.newBuilder()
            .setKeyAuth(KeyAuth.newBuilder().addAllowedConsumers("consumers/alice"))
            .build();
    StatusRuntimeException missing =
        failure(
            () ->
                admin.createPolicy(
                    CreatePolicyRequest.newBuilder()
                        .setPolicyId("partners")
                        .setPolicy(partners)
                        .build()));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(missing.getStatus().getDescription()).contains("consumers/alice");

    createConsumer("alice");
    admin.createPolicy(
        CreatePolicyRequest.newBuilder().setPolicyId("partners").setPolicy(partners).build());
    StatusRuntimeException used =
        failure(
            () ->
                admin.deleteConsumer(
                    DeleteConsumerRequest.newBuilder().setName("consumers/alice").build()));
    assertThat(used.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(used.getStatus().getDescription()).contains("policies/partners");

    admin.deletePolicy(DeletePolicyRequest.newBuilder().setName("policies/partners").build());
    admin.createConsumerKey(
        CreateConsumerKeyRequest.newBuilder().setName("consumers/alice").build());
    admin.deleteConsumer(DeleteConsumerRequest.newBuilder().setName("consumers/alice").build());
    // Its credentials went with it: a new alice starts without keys.
    createConsumer("alice");
    assertThat(get("consumers/alice").getKeysCount()).isZero();
  }
}
