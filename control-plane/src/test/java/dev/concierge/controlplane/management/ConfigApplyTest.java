package dev.concierge.controlplane.management;

import static dev.concierge.controlplane.InProcessControlPlane.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.ApplyRequest;
import dev.concierge.api.v1.ApplyResponse;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.CreateTokenRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ExportConfigRequest;
import dev.concierge.api.v1.FieldChange;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.GetRevisionRequest;
import dev.concierge.api.v1.GetRouteRequest;
import dev.concierge.api.v1.ListRevisionsRequest;
import dev.concierge.api.v1.ListRevisionsResponse;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.ResourceChange;
import dev.concierge.api.v1.Revision;
import dev.concierge.api.v1.RollbackRequest;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.controlplane.InProcessControlPlane;
import dev.concierge.controlplane.crypto.TestCertificates;
import dev.concierge.controlplane.store.JdbcConfigStore;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigApplyTest {
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

  private static Cluster cluster(String id, int port, int weight) {
    return Cluster.newBuilder()
        .setName("clusters/" + id)
        .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(port).setWeight(weight))
        .build();
  }

  private static Route route(String id, String prefix, String... clusters) {
    ForwardAction.Builder forward = ForwardAction.newBuilder();
    for (String c : clusters) {
      forward.addClusters(WeightedCluster.newBuilder().setCluster("clusters/" + c));
    }
    return Route.newBuilder()
        .setName("routes/" + id)
        .setMatch(RouteMatch.newBuilder().setPathPrefix(prefix))
        .setForward(forward)
        .build();
  }

  /** Two clusters and a route that uses both, the route first. */
  private static Config twoClustersAndARoute(int weight) {
    return Config.newBuilder()
        .addRoutes(route("api", "/api", "web", "canary"))
        .addClusters(cluster("web", 9001, weight))
        .addClusters(cluster("canary", 9002, 1))
        .build();
  }

  private ApplyResponse apply(Config config) {
    return admin.apply(ApplyRequest.newBuilder().setConfig(config).build());
  }

  private static List<String> fields(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).isNotNull();
    for (Any any : status.getDetailsList()) {
      if (any.is(BadRequest.class)) {
        return any.unpack(BadRequest.class).getFieldViolationsList().stream()
            .map(v -> v.getField())
            .toList();
      }
    }
    throw new AssertionError("no BadRequest in " + status);
  }

  @Test
  void appliesAWholeConfigAsOneRevisionWhateverItsOrder() {
    ApplyResponse applied = apply(twoClustersAndARoute(1));

    assertThat(applied.getRevision()).isEqualTo(1);
    assertThat(applied.getChanged()).isTrue();
    assertThat(applied.getChangesList())
        .extracting(ResourceChange::getAction, ResourceChange::getName)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ResourceChange.Action.ADDED, "clusters/canary"),
            org.assertj.core.groups.Tuple.tuple(ResourceChange.Action.ADDED, "clusters/web"),
            org.assertj.core.groups.Tuple.tuple(ResourceChange.Action.ADDED, "routes/api"));
    assertThat(cp.server().revision()).isEqualTo(1);
    assertThat(admin.getRoute(GetRouteRequest.newBuilder().setName("routes/api").build()).getEtag())
        .isEqualTo("1");
  }

  @Test
  void theSameConfigTwiceChangesNothingTheSecondTime() {
    apply(twoClustersAndARoute(1));

    ApplyResponse again = apply(twoClustersAndARoute(1));

    assertThat(again.getChanged()).isFalse();
    assertThat(again.getChangesList()).isEmpty();
    assertThat(again.getRevision()).isEqualTo(1);
    assertThat(cp.server().revision()).isEqualTo(1);
  }

  @Test
  void anEditedWeightIsOneFieldOfTheDiff() {
    apply(twoClustersAndARoute(1));

    ApplyResponse edited = apply(twoClustersAndARoute(5));

    assertThat(edited.getRevision()).isEqualTo(2);
    assertThat(edited.getChangesList()).hasSize(1);
    ResourceChange change = edited.getChanges(0);
    assertThat(change.getAction()).isEqualTo(ResourceChange.Action.CHANGED);
    assertThat(change.getName()).isEqualTo("clusters/web");
    assertThat(change.getFieldsList())
        .extracting(FieldChange::getPath, FieldChange::getBefore, FieldChange::getAfter)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("endpoints[0].weight", "1", "5"));
  }

  @Test
  void aDryRunAnswersTheDiffAndChangesNothing() {
    ApplyResponse dry =
        admin.apply(
            ApplyRequest.newBuilder()
                .setConfig(twoClustersAndARoute(1))
                .setValidateOnly(true)
                .build());

    assertThat(dry.getChangesList()).hasSize(3);
    assertThat(dry.getRevision()).isZero();
    assertThat(cp.server().revision()).isZero();
  }

  @Test
  void reportsEveryMistakeWithItsFieldAndStoresNothing() throws Exception {
    Config bad =
        Config.newBuilder()
            .addClusters(cluster("web", 70000, 1))
            .addRoutes(route("ok", "/", "web"))
            .addRoutes(
                route("wild", "/w", "web").toBuilder()
                    .setMatch(RouteMatch.newBuilder().setPathPrefix("/w").addHosts("*.com"))
                    .build())
            .addRoutes(route("lost", "/l", "nowhere"))
            .build();

    StatusRuntimeException e = failure(() -> apply(bad));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(fields(e))
        .containsExactly(
            "clusters[0].endpoints[0].port",
            "routes[1].match.hosts[0]",
            "routes[2].forward.clusters[0].cluster");
    assertThat(cp.server().revision()).isZero();
  }

  @Test
  void keepsWhatTheConfigDoesNotNameUnlessPruned() {
    apply(twoClustersAndARoute(1));
    Config onlyWeb = Config.newBuilder().addClusters(cluster("web", 9001, 1)).build();

    assertThat(apply(onlyWeb).getChanged()).isFalse();

    ApplyResponse pruned =
        admin.apply(ApplyRequest.newBuilder().setConfig(onlyWeb).setPrune(true).build());
    assertThat(pruned.getChangesList())
        .extracting(ResourceChange::getAction, ResourceChange::getName)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ResourceChange.Action.DELETED, "clusters/canary"),
            org.assertj.core.groups.Tuple.tuple(ResourceChange.Action.DELETED, "routes/api"));
    assertThat(
            admin.exportConfig(ExportConfigRequest.getDefaultInstance()).getClustersList().stream()
                .map(Cluster::getName))
        .containsExactly("clusters/web");
  }

  @Test
  void anApplyPinnedToAnOldRevisionIsAborted() {
    apply(twoClustersAndARoute(1));
    apply(twoClustersAndARoute(2));

    StatusRuntimeException e =
        failure(
            () ->
                admin.apply(
                    ApplyRequest.newBuilder()
                        .setConfig(twoClustersAndARoute(3))
                        .setIfRevision(1)
                        .build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(e.getStatus().getDescription()).contains("revision 2, not 1");
    assertThat(cp.server().revision()).isEqualTo(2);
  }

  @Test
  void theExportAppliedAgainChangesNothing() throws Exception {
    String[] pem = TestCertificates.chainAndKey("www.example.com");
    apply(
        twoClustersAndARoute(3).toBuilder()
            .addCertificates(
                Certificate.newBuilder()
                    .setName("certificates/www")
                    .setCertificateChain(pem[0])
                    .setPrivateKey(pem[1]))
            .build());

    Config exported = admin.exportConfig(ExportConfigRequest.getDefaultInstance());

    assertThat(exported.getRevision()).isEqualTo(1);
    assertThat(exported.getCertificates(0).getPrivateKey()).isEmpty();
    assertThat(exported.getCertificates(0).getDnsNamesList()).isEmpty();
    assertThat(exported.getClusters(0).getEtag()).isEmpty();
    assertThat(exported.getClusters(0).hasCreateTime()).isFalse();
    ApplyResponse again = apply(exported);
    assertThat(again.getChanged()).isFalse();
    assertThat(cp.server().revision()).isEqualTo(1);
  }

  @Test
  void aNewKeyIsShownChangedButNeverShown() throws Exception {
    String[] first = TestCertificates.chainAndKey("www.example.com");
    String[] second = TestCertificates.chainAndKey("www.example.com");
    Certificate.Builder www = Certificate.newBuilder().setName("certificates/www");
    apply(
        Config.newBuilder()
            .addCertificates(www.setCertificateChain(first[0]).setPrivateKey(first[1]))
            .build());

    ApplyResponse rotated =
        apply(
            Config.newBuilder()
                .addCertificates(www.setCertificateChain(second[0]).setPrivateKey(second[1]))
                .build());

    assertThat(rotated.getChanges(0).getFieldsList())
        .extracting(FieldChange::getPath)
        .containsExactly("certificate_chain", "private_key");
    assertThat(rotated.toString()).doesNotContain("PRIVATE KEY");
  }

  @Test
  void rollsBackToAnEarlierRevisionAsANewOne() {
    apply(twoClustersAndARoute(1));
    apply(twoClustersAndARoute(5));
    apply(twoClustersAndARoute(5).toBuilder().addRoutes(route("extra", "/extra", "web")).build());

    ApplyResponse rolledBack = admin.rollback(RollbackRequest.newBuilder().setRevision(1).build());

    assertThat(rolledBack.getRevision()).isEqualTo(4);
    assertThat(rolledBack.getChangesList())
        .extracting(ResourceChange::getAction, ResourceChange::getName)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ResourceChange.Action.CHANGED, "clusters/web"),
            org.assertj.core.groups.Tuple.tuple(ResourceChange.Action.DELETED, "routes/extra"));
    Config now = admin.exportConfig(ExportConfigRequest.getDefaultInstance());
    Config then = admin.exportConfig(ExportConfigRequest.newBuilder().setRevision(1).build());
    assertThat(now.toBuilder().setRevision(0).build())
        .isEqualTo(then.toBuilder().setRevision(0).build());
    assertThat(then.getRevision()).isEqualTo(1);
  }

  @Test
  void listsRevisionsWithSummariesAndShowsOnesDiff() {
    apply(twoClustersAndARoute(1));
    apply(twoClustersAndARoute(5));

    ListRevisionsResponse page =
        admin.listRevisions(ListRevisionsRequest.newBuilder().setPageSize(1).build());
    assertThat(page.getRevisionsList())
        .extracting(Revision::getRevision, Revision::getSummary, Revision::getActor)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, "~clusters/web", "admin"));
    ListRevisionsResponse next =
        admin.listRevisions(
            ListRevisionsRequest.newBuilder()
                .setPageSize(1)
                .setPageToken(page.getNextPageToken())
                .build());
    assertThat(next.getRevisionsList())
        .extracting(Revision::getSummary)
        .containsExactly("+clusters/canary +clusters/web +routes/api");
    assertThat(next.getNextPageToken()).isEmpty();

    Revision second = admin.getRevision(GetRevisionRequest.newBuilder().setRevision(2).build());
    assertThat(second.getChangesList()).hasSize(1);
    assertThat(second.getChanges(0).getFieldsList())
        .extracting(FieldChange::getPath, FieldChange::getBefore, FieldChange::getAfter)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("endpoints[0].weight", "1", "5"));
  }

  @Test
  void historyNamesTheTokenThatMadeEachRevision() {
    String secret =
        admin.createToken(CreateTokenRequest.newBuilder().setName("ci").build()).getSecret();
    ManagementServiceBlockingStub ci =
        InProcessControlPlane.withToken(
            ManagementServiceGrpc.newBlockingStub(cp.channel()), secret);

    ci.apply(ApplyRequest.newBuilder().setConfig(twoClustersAndARoute(1)).build());
    apply(twoClustersAndARoute(2));

    assertThat(admin.listRevisions(ListRevisionsRequest.getDefaultInstance()).getRevisionsList())
        .extracting(Revision::getRevision, Revision::getActor)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(2L, "admin"),
            org.assertj.core.groups.Tuple.tuple(1L, "ci"));
  }

  @Test
  void refusesARollbackToARevisionThatDoesNotExist() {
    apply(twoClustersAndARoute(1));

    StatusRuntimeException e =
        failure(() -> admin.rollback(RollbackRequest.newBuilder().setRevision(7).build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("revisions run from 1 to 1");
  }

  @Test
  void refusesARollbackToAConfigTodaysRulesReject() throws Exception {
    try (JdbcConfigStore store =
        JdbcConfigStore.open(JdbcConfigStore.h2Url(dir.resolve("older")), Clock.systemUTC())) {
      store.create(ResourceTable.CLUSTERS, Stored.of(cluster("web", 9001, 1)), "t");
      // As a version with looser rules could have stored it, past today's API checks.
      Route wild =
          route("wild", "/w", "web").toBuilder()
              .setMatch(RouteMatch.newBuilder().setPathPrefix("/w").addHosts("*.com"))
              .build();
      store.create(ResourceTable.ROUTES, Stored.of(wild), "t");
      store.delete(ResourceTable.ROUTES, "routes/wild", "", "t");
      ConfigApply apply = new ConfigApply(store, KeyCipher.of(new byte[32]), Clock.systemUTC());

      StatusRuntimeException e =
          failure(() -> apply.rollback(RollbackRequest.newBuilder().setRevision(2).build(), "t"));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription())
          .startsWith(
              "revision 2's config does not pass today's rules: routes/wild.match.hosts[0]");
      assertThat(fields(e)).containsExactly("routes/wild.match.hosts[0]");
      assertThat(store.revision()).isEqualTo(3);
    }
  }

  @Test
  void aRollbackRestoresACertificatesEarlierKey() throws Exception {
    KeyCipher cipher = KeyCipher.of(new byte[32]);
    try (JdbcConfigStore store =
        JdbcConfigStore.open(JdbcConfigStore.h2Url(dir.resolve("keys")), Clock.systemUTC())) {
      ConfigApply apply = new ConfigApply(store, cipher, Clock.systemUTC());
      String[] first = TestCertificates.chainAndKey("www.example.com");
      String[] second = TestCertificates.chainAndKey("www.example.com");
      Certificate.Builder www = Certificate.newBuilder().setName("certificates/www");
      for (String[] pem : List.of(first, second)) {
        apply.apply(
            ApplyRequest.newBuilder()
                .setConfig(
                    Config.newBuilder()
                        .addCertificates(www.setCertificateChain(pem[0]).setPrivateKey(pem[1])))
                .build(),
            "t");
      }

      ApplyResponse rolledBack =
          apply.rollback(RollbackRequest.newBuilder().setRevision(1).build(), "t");

      assertThat(rolledBack.getRevision()).isEqualTo(3);
      assertThat(rolledBack.getChanges(0).getFieldsList())
          .extracting(FieldChange::getPath)
          .containsExactly("certificate_chain", "private_key");
      Stored<Certificate> now = store.readConfig().certificates().get(0);
      assertThat(now.resource().getCertificateChain()).isEqualTo(first[0]);
      assertThat(cipher.decrypt(java.util.Objects.requireNonNull(now.sealed()), "certificates/www"))
          .isEqualTo(first[1]);
    }
  }
}
