package dev.concierge.controlplane.management;

import static dev.concierge.controlplane.InProcessControlPlane.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import com.google.rpc.BadRequest;
import com.google.rpc.PreconditionFailure;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DeleteClusterRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.GetCertificateRequest;
import dev.concierge.api.v1.GetClusterRequest;
import dev.concierge.api.v1.GetRouteRequest;
import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.ListCertificatesRequest;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ListClustersResponse;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.UpdateCertificateRequest;
import dev.concierge.api.v1.UpdateClusterRequest;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.controlplane.InProcessControlPlane;
import dev.concierge.controlplane.crypto.TestCertificates;
import dev.concierge.controlplane.store.HistoryEntry;
import dev.concierge.controlplane.store.JdbcConfigStore;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagementServiceTest {
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

  private static Cluster cluster(String host) {
    return Cluster.newBuilder()
        .addEndpoints(Endpoint.newBuilder().setHost(host).setPort(8080))
        .build();
  }

  private Cluster createCluster(String id) {
    return admin.createCluster(
        CreateClusterRequest.newBuilder().setClusterId(id).setCluster(cluster("10.0.0.1")).build());
  }

  private static Route route(String... clusters) {
    ForwardAction.Builder forward = ForwardAction.newBuilder();
    for (String c : clusters) {
      forward.addClusters(WeightedCluster.newBuilder().setCluster(c));
    }
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPathPrefix("/"))
        .setForward(forward)
        .build();
  }

  private static <T extends com.google.protobuf.Message> T detail(
      StatusRuntimeException e, Class<T> type) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).isNotNull();
    for (Any any : status.getDetailsList()) {
      if (any.is(type)) {
        return any.unpack(type);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " detail in " + status);
  }

  @Test
  void requiresTheAdminToken() {
    ManagementServiceBlockingStub anonymous = ManagementServiceGrpc.newBlockingStub(cp.channel());
    ManagementServiceBlockingStub node =
        InProcessControlPlane.withToken(
            ManagementServiceGrpc.newBlockingStub(cp.channel()),
            cp.server().createJoinToken(java.time.Duration.ofHours(1), "test"));
    ManagementServiceBlockingStub wrong =
        InProcessControlPlane.withToken(
            ManagementServiceGrpc.newBlockingStub(cp.channel()), cp.server().adminToken() + "x");
    for (ManagementServiceBlockingStub stub : List.of(anonymous, node, wrong)) {
      StatusRuntimeException e =
          failure(() -> stub.listClusters(ListClustersRequest.getDefaultInstance()));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(e.getStatus().getDescription()).isEqualTo("missing or invalid bearer token");
    }
  }

  @Test
  void createsGetsListsUpdatesAndDeletesClusters() {
    Cluster created =
        admin.createCluster(
            CreateClusterRequest.newBuilder()
                .setClusterId("web")
                .setCluster(
                    cluster("10.0.0.1").toBuilder().setName("clusters/ignored").setEtag("99"))
                .build());
    assertThat(created.getName()).isEqualTo("clusters/web");
    assertThat(created.getEtag()).isEqualTo("1");
    assertThat(admin.getCluster(GetClusterRequest.newBuilder().setName("clusters/web").build()))
        .isEqualTo(created);
    admin.createCluster(
        CreateClusterRequest.newBuilder()
            .setCluster(cluster("10.0.0.2").toBuilder().setName("clusters/api"))
            .build());
    ListClustersResponse list =
        admin.listClusters(ListClustersRequest.newBuilder().setPageSize(1).build());
    assertThat(list.getClustersList()).extracting(Cluster::getName).containsExactly("clusters/api");
    assertThat(
            admin
                .listClusters(
                    ListClustersRequest.newBuilder().setPageToken(list.getNextPageToken()).build())
                .getClustersList())
        .extracting(Cluster::getName)
        .containsExactly("clusters/web");

    Cluster updated =
        admin.updateCluster(
            UpdateClusterRequest.newBuilder()
                .setCluster(
                    Cluster.newBuilder()
                        .setName("clusters/web")
                        .setDescription("front")
                        .setEtag("1"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                .build());
    assertThat(updated.getDescription()).isEqualTo("front");
    assertThat(updated.getEndpointsList()).isEqualTo(created.getEndpointsList());
    assertThat(updated.getEtag()).isEqualTo("3");

    StatusRuntimeException stale =
        failure(
            () ->
                admin.updateCluster(
                    UpdateClusterRequest.newBuilder()
                        .setCluster(
                            cluster("10.0.0.9").toBuilder().setName("clusters/web").setEtag("1"))
                        .build()));
    assertThat(stale.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(
            failure(
                    () ->
                        admin.deleteCluster(
                            DeleteClusterRequest.newBuilder()
                                .setName("clusters/web")
                                .setEtag("1")
                                .build()))
                .getStatus()
                .getCode())
        .isEqualTo(Status.Code.ABORTED);

    admin.deleteCluster(
        DeleteClusterRequest.newBuilder().setName("clusters/web").setEtag("3").build());
    StatusRuntimeException gone =
        failure(
            () -> admin.getCluster(GetClusterRequest.newBuilder().setName("clusters/web").build()));
    assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(gone.getStatus().getDescription()).isEqualTo("cluster \"clusters/web\" not found");
    assertThat(cp.server().revision()).isEqualTo(4);
  }

  @Test
  void maskedUpdateReplacesRepeatedFieldsAndClearsUnsetOnes() {
    admin.createCluster(
        CreateClusterRequest.newBuilder()
            .setClusterId("pair")
            .setCluster(
                cluster("10.0.0.1").toBuilder()
                    .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.2").setPort(8080))
                    .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2))
                    .setDescription("two"))
            .build());

    Cluster updated =
        admin.updateCluster(
            UpdateClusterRequest.newBuilder()
                .setCluster(cluster("10.0.0.3").toBuilder().setName("clusters/pair"))
                .setUpdateMask(
                    FieldMask.newBuilder().addPaths("endpoints").addPaths("connect_timeout"))
                .build());

    assertThat(updated.getEndpointsList())
        .extracting(Endpoint::getHost)
        .containsExactly("10.0.0.3");
    assertThat(updated.hasConnectTimeout()).isFalse();
    assertThat(updated.getDescription()).isEqualTo("two");
  }

  @Test
  void rejectsDuplicateCluster() {
    createCluster("web");
    StatusRuntimeException e = failure(() -> createCluster("web"));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(e.getStatus().getDescription()).isEqualTo("cluster \"clusters/web\" already exists");
  }

  @Test
  void reportsEveryBadFieldInBadRequest() throws Exception {
    StatusRuntimeException e =
        failure(
            () ->
                admin.createCluster(
                    CreateClusterRequest.newBuilder()
                        .setClusterId("Web")
                        .setCluster(
                            Cluster.newBuilder()
                                .addEndpoints(Endpoint.newBuilder().setHost("ok.test").setPort(1))
                                .addEndpoints(Endpoint.newBuilder().setHost("bad host").setPort(0))
                                .setConnectTimeout(Duration.newBuilder().setSeconds(120)))
                        .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .startsWith("invalid cluster \"clusters/Web\": cluster_id: ");
    assertThat(detail(e, BadRequest.class).getFieldViolationsList())
        .extracting(BadRequest.FieldViolation::getField)
        .containsExactly(
            "cluster_id",
            "cluster.endpoints[1].host",
            "cluster.endpoints[1].port",
            "cluster.connect_timeout");
    assertThat(cp.server().revision()).isZero();
  }

  @Test
  void rejectsRouteToMissingClusterAndWritesNothing() throws Exception {
    StatusRuntimeException e =
        failure(
            () ->
                admin.createRoute(
                    CreateRouteRequest.newBuilder()
                        .setRouteId("bad")
                        .setRoute(route("clusters/nope"))
                        .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .isEqualTo(
            "invalid route \"routes/bad\": route.forward.clusters[0].cluster: cluster"
                + " \"clusters/nope\" does not exist");
    assertThat(detail(e, BadRequest.class).getFieldViolations(0).getField())
        .isEqualTo("route.forward.clusters[0].cluster");
    assertThat(cp.server().revision()).isZero();
    assertThat(
            failure(
                    () ->
                        admin.getRoute(GetRouteRequest.newBuilder().setName("routes/bad").build()))
                .getStatus()
                .getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void refusesToDeleteClusterUsedByRoutes() throws Exception {
    createCluster("web");
    admin.createRoute(
        CreateRouteRequest.newBuilder().setRouteId("a").setRoute(route("clusters/web")).build());
    admin.createRoute(
        CreateRouteRequest.newBuilder().setRouteId("b").setRoute(route("clusters/web")).build());
    StatusRuntimeException e =
        failure(
            () ->
                admin.deleteCluster(
                    DeleteClusterRequest.newBuilder().setName("clusters/web").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription()).contains("routes/a, routes/b");
    assertThat(detail(e, PreconditionFailure.class).getViolationsList())
        .extracting(PreconditionFailure.Violation::getSubject)
        .containsExactly("routes/a", "routes/b");
    admin.deleteRoute(DeleteRouteRequest.newBuilder().setName("routes/a").build());
    admin.deleteRoute(DeleteRouteRequest.newBuilder().setName("routes/b").build());
    admin.deleteCluster(DeleteClusterRequest.newBuilder().setName("clusters/web").build());
  }

  @Test
  void warnsInResponseHeadersWhenARouteHidesAnother() {
    createCluster("a");
    admin.createRoute(
        CreateRouteRequest.newBuilder().setRouteId("web").setRoute(route("clusters/a")).build());
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    ManagementServiceBlockingStub capturing =
        admin.withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));

    capturing.createRoute(
        CreateRouteRequest.newBuilder().setRouteId("api").setRoute(route("clusters/a")).build());
    assertThat(headers.get().getAll(ResponseWarnings.HEADER))
        .containsExactly(
            "routes/web can no longer match: routes/api takes every request it would (same"
                + " hosts, path and methods, and its name sorts first)");

    capturing.updateRoute(
        UpdateRouteRequest.newBuilder()
            .setRoute(
                Route.newBuilder()
                    .setName("routes/api")
                    .setMatch(RouteMatch.newBuilder().setPathPrefix("/api")))
            .setUpdateMask(FieldMask.newBuilder().addPaths("match"))
            .build());
    assertThat(headers.get().getAll(ResponseWarnings.HEADER)).isNull();
  }

  @Test
  void updatesRouteByMaskAndLowercasesHosts() {
    createCluster("a");
    createCluster("b");
    Route created =
        admin.createRoute(
            CreateRouteRequest.newBuilder()
                .setRouteId("r")
                .setRoute(
                    route("clusters/a").toBuilder()
                        .setMatch(RouteMatch.newBuilder().addHosts("API.Example.com")))
                .build());
    assertThat(created.getMatch().getHostsList()).containsExactly("api.example.com");
    Route updated =
        admin.updateRoute(
            UpdateRouteRequest.newBuilder()
                .setRoute(
                    route("clusters/b").toBuilder().setName("routes/r").setDescription("ignored"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("forward"))
                .build());
    assertThat(updated.getForward().getClusters(0).getCluster()).isEqualTo("clusters/b");
    assertThat(updated.getDescription()).isEmpty();
    assertThat(updated.getMatch().getHostsList()).containsExactly("api.example.com");

    StatusRuntimeException e =
        failure(
            () ->
                admin.updateRoute(
                    UpdateRouteRequest.newBuilder()
                        .setRoute(Route.newBuilder().setName("routes/r"))
                        .setUpdateMask(
                            FieldMask.newBuilder().addPaths("etag").addPaths("description"))
                        .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .startsWith("invalid route \"routes/r\": update_mask: \"etag\" cannot be updated");
  }

  @Test
  void storesTheNewRouteFieldsAndUpdatesRequestBodyByMask() throws Exception {
    createCluster("a");
    Route requested =
        route("clusters/a").toBuilder()
            .setMatch(
                RouteMatch.newBuilder()
                    .addMethods("GET")
                    .addMethods("PURGE")
                    .setPathPrefix("/static")
                    .setPrefixMode(RouteMatch.PrefixMode.STRING))
            .setForward(
                route("clusters/a").getForward().toBuilder()
                    .setPathForwarding(ForwardAction.PathForwarding.RAW)
                    .setMaxAttempts(3))
            .setRequestBody(
                RequestBodyPolicy.newBuilder()
                    .setMode(RequestBodyPolicy.Mode.STREAM)
                    .setMaxBytes(50L << 20))
            .build();
    admin.createRoute(CreateRouteRequest.newBuilder().setRouteId("r").setRoute(requested).build());
    Route stored = admin.getRoute(GetRouteRequest.newBuilder().setName("routes/r").build());
    assertThat(stored.getMatch()).isEqualTo(requested.getMatch());
    assertThat(stored.getForward()).isEqualTo(requested.getForward());
    assertThat(stored.getRequestBody()).isEqualTo(requested.getRequestBody());

    Route updated =
        admin.updateRoute(
            UpdateRouteRequest.newBuilder()
                .setRoute(
                    Route.newBuilder()
                        .setName("routes/r")
                        .setRequestBody(
                            RequestBodyPolicy.newBuilder().setMode(RequestBodyPolicy.Mode.BUFFER)))
                .setUpdateMask(FieldMask.newBuilder().addPaths("request_body"))
                .build());
    assertThat(updated.getRequestBody())
        .isEqualTo(RequestBodyPolicy.newBuilder().setMode(RequestBodyPolicy.Mode.BUFFER).build());
    assertThat(updated.getMatch()).isEqualTo(requested.getMatch());
    assertThat(updated.getForward()).isEqualTo(requested.getForward());

    // A masked update is validated like a create: the merged route's bad method is named.
    StatusRuntimeException e =
        failure(
            () ->
                admin.updateRoute(
                    UpdateRouteRequest.newBuilder()
                        .setRoute(
                            Route.newBuilder()
                                .setName("routes/r")
                                .setMatch(RouteMatch.newBuilder().addMethods("get")))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("match"))
                        .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(detail(e, BadRequest.class).getFieldViolationsList())
        .extracting(BadRequest.FieldViolation::getField)
        .containsExactly("route.match.methods[0]");

    // An update without a mask replaces every updatable field, request_body included.
    Route replaced =
        admin.updateRoute(
            UpdateRouteRequest.newBuilder()
                .setRoute(route("clusters/a").toBuilder().setName("routes/r"))
                .build());
    assertThat(replaced.hasRequestBody()).isFalse();
    assertThat(replaced.getMatch().getMethodsList()).isEmpty();
  }

  @Test
  void storesNothingOnValidateOnly() {
    Cluster validated =
        admin.createCluster(
            CreateClusterRequest.newBuilder()
                .setClusterId("web")
                .setCluster(cluster("10.0.0.1"))
                .setValidateOnly(true)
                .build());
    assertThat(validated.getName()).isEqualTo("clusters/web");
    assertThat(cp.server().revision()).isZero();
    createCluster("web");
    admin.updateCluster(
        UpdateClusterRequest.newBuilder()
            .setCluster(cluster("10.0.0.7").toBuilder().setName("clusters/web"))
            .setValidateOnly(true)
            .build());
    assertThat(
            admin
                .getCluster(GetClusterRequest.newBuilder().setName("clusters/web").build())
                .getEndpoints(0)
                .getHost())
        .isEqualTo("10.0.0.1");
    assertThat(cp.server().revision()).isEqualTo(1);
  }

  @Test
  void neverReturnsTheCertificateKey() throws IOException {
    String[] pem = TestCertificates.chainAndKey("www.example.com", "example.com");
    Certificate created =
        admin.createCertificate(
            CreateCertificateRequest.newBuilder()
                .setCertificateId("www")
                .setCertificate(
                    Certificate.newBuilder()
                        .setCertificateChain(pem[0])
                        .setPrivateKey(pem[1])
                        .addDnsNames("ignored.example"))
                .build());
    assertThat(created.getPrivateKey()).isEmpty();
    assertThat(created.getDnsNamesList()).containsExactly("www.example.com", "example.com");
    assertThat(created.getFingerprintSha256()).hasSize(64);
    assertThat(created.hasNotAfter()).isTrue();
    assertThat(
            admin
                .getCertificate(
                    GetCertificateRequest.newBuilder().setName("certificates/www").build())
                .getPrivateKey())
        .isEmpty();
    assertThat(
            admin
                .listCertificates(ListCertificatesRequest.getDefaultInstance())
                .getCertificates(0)
                .getPrivateKey())
        .isEmpty();
    Certificate updated =
        admin.updateCertificate(
            UpdateCertificateRequest.newBuilder()
                .setCertificate(
                    Certificate.newBuilder().setName("certificates/www").setDescription("main"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                .build());
    assertThat(updated.getPrivateKey()).isEmpty();
    assertThat(updated.getDnsNamesList()).containsExactly("www.example.com", "example.com");
    assertThat(updated.getCertificateChain()).isEqualTo(pem[0]);

    String[] next = TestCertificates.chainAndKey("new.example.com");
    Certificate replaced =
        admin.updateCertificate(
            UpdateCertificateRequest.newBuilder()
                .setCertificate(
                    Certificate.newBuilder()
                        .setName("certificates/www")
                        .setCertificateChain(next[0])
                        .setPrivateKey(next[1]))
                .setUpdateMask(
                    FieldMask.newBuilder().addPaths("certificate_chain").addPaths("private_key"))
                .build());
    assertThat(replaced.getDnsNamesList()).containsExactly("new.example.com");
    assertThat(replaced.getDescription()).isEqualTo("main");
    assertThat(replaced.getPrivateKey()).isEmpty();

    String keyBody = pem[1].lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    List<HistoryEntry> history = historyOfStore();
    assertThat(history)
        .allSatisfy(
            h -> {
              assertThat(String.valueOf(h.beforeJson()))
                  .doesNotContain(keyBody)
                  .doesNotContain("privateKey");
              assertThat(String.valueOf(h.afterJson()))
                  .doesNotContain(keyBody)
                  .doesNotContain("privateKey");
            });
  }

  private List<HistoryEntry> historyOfStore() throws IOException {
    cp.close();
    try (JdbcConfigStore store =
        JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), Clock.systemUTC())) {
      return store.history(100);
    } finally {
      cp.restart();
    }
  }

  @Test
  void rejectsCertificateWithMismatchedKeyOrHalfUpdate() throws Exception {
    String[] a = TestCertificates.chainAndKey("a.example.com");
    String[] b = TestCertificates.chainAndKey("b.example.com");
    StatusRuntimeException e =
        failure(
            () ->
                admin.createCertificate(
                    CreateCertificateRequest.newBuilder()
                        .setCertificateId("c")
                        .setCertificate(
                            Certificate.newBuilder().setCertificateChain(a[0]).setPrivateKey(b[1]))
                        .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(detail(e, BadRequest.class).getFieldViolations(0).getField())
        .isEqualTo("certificate.private_key");
    assertThat(e.getStatus().getDescription()).doesNotContain("PRIVATE KEY");

    admin.createCertificate(
        CreateCertificateRequest.newBuilder()
            .setCertificateId("c")
            .setCertificate(Certificate.newBuilder().setCertificateChain(a[0]).setPrivateKey(a[1]))
            .build());
    StatusRuntimeException half =
        failure(
            () ->
                admin.updateCertificate(
                    UpdateCertificateRequest.newBuilder()
                        .setCertificate(
                            Certificate.newBuilder()
                                .setName("certificates/c")
                                .setCertificateChain(b[0]))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("certificate_chain"))
                        .build()));
    assertThat(detail(half, BadRequest.class).getFieldViolations(0).getField())
        .isEqualTo("update_mask");
  }

  @Test
  void rejectsBadPageTokenAndNames() {
    assertThat(
            failure(
                    () ->
                        admin.listClusters(
                            ListClustersRequest.newBuilder().setPageToken("nope").build()))
                .getStatus()
                .getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            failure(() -> admin.getCluster(GetClusterRequest.newBuilder().setName("web").build()))
                .getStatus()
                .getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void reportsEmptyStatsWithoutNodes() {
    Stats stats = admin.getStats(GetStatsRequest.getDefaultInstance());
    assertThat(stats.getNodes()).isZero();
    assertThat(stats.getRouteRowsList()).isEmpty();
    assertThat(stats.getWindow().getSeconds()).isEqualTo(60); // the default window
    assertThat(stats.getResolution().getSeconds()).isEqualTo(10);
  }

  @Test
  void refusesAStatsWindowOverFifteenMinutes() {
    for (long seconds : new long[] {15 * 60 + 1, -1}) {
      StatusRuntimeException e =
          failure(
              () ->
                  admin.getStats(
                      GetStatsRequest.newBuilder()
                          .setWindow(com.google.protobuf.Duration.newBuilder().setSeconds(seconds))
                          .build()));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("at most 15m");
    }
    assertThat(
            admin
                .getStats(
                    GetStatsRequest.newBuilder()
                        .setWindow(com.google.protobuf.Duration.newBuilder().setSeconds(15 * 60))
                        .build())
                .getWindow()
                .getSeconds())
        .isEqualTo(15 * 60);
  }
}
