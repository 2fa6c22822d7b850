package dev.concierge.controlplane.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.controlplane.auth.Caller;
import dev.concierge.controlplane.crypto.TestCertificates;
import dev.concierge.controlplane.store.JdbcConfigStore;
import dev.concierge.controlplane.store.ResourceKind;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceFlowTest {
  @TempDir Path dir;
  private JdbcConfigStore store;
  private final List<String> checked = new CopyOnWriteArrayList<>();
  private volatile boolean refuse;
  private ResourceFlow flow;
  // Writes are made in the name of the call's token; here, outside any call, of "tester".
  private final Context caller = Caller.as("tester");
  private Context previous;

  @BeforeEach
  void open() {
    store = JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), Clock.systemUTC());
    flow = new ResourceFlow(store, this::preflight);
    previous = caller.attach();
  }

  @AfterEach
  void close() {
    caller.detach(previous);
    store.close();
  }

  @Test
  void recordsTheCallersNameInHistory() {
    flow.create(ResourceTypes.clusters(), "a", cluster("10.0.0.1"), false);

    assertThat(store.history(1).get(0).actor()).isEqualTo("tester");
  }

  private List<String> preflight(ResourceKind kind, String name, Message next) {
    checked.add(kind + " " + name + " " + (next == null ? "delete" : "write"));
    if (refuse) {
      throw Status.INVALID_ARGUMENT.withDescription("would not compile").asRuntimeException();
    }
    return List.of();
  }

  private static Cluster cluster(String host) {
    return Cluster.newBuilder()
        .addEndpoints(Endpoint.newBuilder().setHost(host).setPort(8080))
        .build();
  }

  @Test
  void preflightsEveryWriteAfterValidationAndBeforeTheStore() {
    ResourceType<Cluster> clusters = ResourceTypes.clusters();
    flow.create(clusters, "a", cluster("10.0.0.1"), true);
    assertThat(store.revision()).isZero();
    Cluster created = flow.create(clusters, "a", cluster("10.0.0.1"), false);
    flow.update(
        clusters,
        created.toBuilder().setDescription("d").build(),
        FieldMask.newBuilder().addPaths("description").build(),
        false);
    flow.delete(clusters, "clusters/a", "");
    assertThat(checked)
        .containsExactly(
            "CLUSTER clusters/a write",
            "CLUSTER clusters/a write",
            "CLUSTER clusters/a write",
            "CLUSTER clusters/a delete");
    assertThat(store.revision()).isEqualTo(3);
  }

  @Test
  void refusedPreflightStoresNothing() {
    ResourceType<Cluster> clusters = ResourceTypes.clusters();
    flow.create(clusters, "a", cluster("10.0.0.1"), false);
    refuse = true;
    assertThatThrownBy(() -> flow.create(clusters, "b", cluster("10.0.0.1"), false))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(() -> flow.delete(clusters, "clusters/a", ""))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.get(ResourceTable.CLUSTERS, "clusters/a")).isPresent();
  }

  @Test
  void invalidRequestNeverReachesPreflight() {
    assertThatThrownBy(() -> flow.create(ResourceTypes.clusters(), "a", cluster(""), false))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(checked).isEmpty();
  }

  @Test
  void certificateKeepsItsCiphertextWhenOnlyTheDescriptionChanges() {
    KeyCipher cipher = KeyCipher.of(new byte[32]);
    ResourceType<Certificate> certificates =
        ResourceTypes.certificates(cipher, Clock.systemUTC(), name -> Optional.empty());
    String[] pair = TestCertificates.chainAndKey("example.com");
    Certificate created =
        flow.create(
            certificates,
            "c",
            Certificate.newBuilder().setCertificateChain(pair[0]).setPrivateKey(pair[1]).build(),
            false);
    assertThat(created.getPrivateKey()).isEmpty();
    assertThat(created.getDnsNamesList()).containsExactly("example.com");
    Stored<Certificate> before =
        store.getStored(ResourceTable.CERTIFICATES, "certificates/c").orElseThrow();
    Certificate updated =
        flow.update(
            certificates,
            Certificate.newBuilder().setName("certificates/c").setDescription("main").build(),
            FieldMask.newBuilder().addPaths("description").build(),
            false);
    assertThat(updated.getDescription()).isEqualTo("main");
    assertThat(updated.getPrivateKey()).isEmpty();
    Stored<Certificate> after =
        store.getStored(ResourceTable.CERTIFICATES, "certificates/c").orElseThrow();
    assertThat(after.sealed()).isEqualTo(before.sealed());
    assertThat(cipher.decrypt(after.sealed(), "certificates/c")).isEqualTo(pair[1]);
  }

  @Test
  void anEncryptedKeyIsStoredDecryptedUnderTheCipherAndThePassphraseNowhere() {
    KeyCipher cipher = KeyCipher.of(new byte[32]);
    java.time.Instant now = java.time.Instant.now();
    ResourceType<Certificate> certificates =
        ResourceTypes.certificates(
            cipher, Clock.fixed(now, java.time.ZoneOffset.UTC), name -> Optional.empty());
    java.security.KeyPair keys = TestCertificates.rsa();
    String chain =
        TestCertificates.pem(
            TestCertificates.selfSigned(keys, "secret.example", List.of("secret.example")));
    String encrypted = TestCertificates.encryptedPkcs8(keys.getPrivate(), "s3cret-phrase");
    flow.create(
        certificates,
        "c",
        Certificate.newBuilder()
            .setCertificateChain(chain)
            .setPrivateKey(encrypted)
            .setPrivateKeyPassphrase("s3cret-phrase")
            .build(),
        false);
    Stored<Certificate> stored =
        store.getStored(ResourceTable.CERTIFICATES, "certificates/c").orElseThrow();
    assertThat(stored.resource().getPrivateKeyPassphrase()).isEmpty();
    assertThat(stored.resource().getPrivateKey()).isEmpty();
    assertThat(stored.resource().toString()).doesNotContain("s3cret-phrase");
    String key = cipher.decrypt(stored.sealed(), "certificates/c");
    assertThat(key).contains("BEGIN PRIVATE KEY").doesNotContain("ENCRYPTED");
    assertThat(dev.concierge.controlplane.crypto.PemCertificates.parse(chain, key).dnsNames())
        .containsExactly("secret.example");
    assertThat(store.history(10).toString()).doesNotContain("s3cret-phrase");
  }
}
