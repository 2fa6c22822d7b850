package dev.concierge.controlplane.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.BadRequest;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.controlplane.store.StoredConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotPreflightTest {
  private static final Cluster WEB =
      Cluster.newBuilder()
          .setName("clusters/web")
          .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(8080))
          .build();
  private static final Route GOOD = route("routes/good", "example.com");
  // Stored by an older version whose rules took "*.com".
  private static final Route WILD = route("routes/wild", "*.com");

  @Test
  void acceptsAWriteThatLeavesAValidConfig() {
    SnapshotPreflight preflight = new SnapshotPreflight(() -> stored(List.of(GOOD)));

    assertThat(preflight.check("routes/new", route("routes/new", "a.example"))).isEmpty();
    assertThat(preflight.check("routes/good", null)).isEmpty();
  }

  @Test
  void warnsWhenARouteWrittenHidesAnotherOrIsHidden() {
    SnapshotPreflight preflight = new SnapshotPreflight(() -> stored(List.of(GOOD)));

    assertThat(preflight.check("routes/a", route("routes/a", "example.com")))
        .containsExactly(
            "routes/good can no longer match: routes/a takes every request it would (same hosts,"
                + " path and methods, and its name sorts first)");
    assertThat(preflight.check("routes/z", route("routes/z", "example.com")))
        .singleElement()
        .asString()
        .startsWith("routes/z can never match: routes/good takes every request");
    assertThat(preflight.check("routes/good", route("routes/good", "example.com"))).isEmpty();
  }

  @Test
  void refusesAWriteThatLeavesAConfigTheNodesReject() {
    SnapshotPreflight preflight = new SnapshotPreflight(() -> stored(List.of(GOOD)));
    Route dangling =
        route("routes/new", "a.example").toBuilder()
            .setForward(
                ForwardAction.newBuilder()
                    .addClusters(WeightedCluster.newBuilder().setCluster("clusters/gone")))
            .build();

    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> preflight.check("routes/new", dangling));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e))
        .containsExactly(
            "routes/new.forward.clusters[0].cluster: cluster \"clusters/gone\" does not exist");
  }

  @Test
  void leavesTheDeleteOfAClusterInUseToTheStoresVerdict() {
    SnapshotPreflight preflight = new SnapshotPreflight(() -> stored(List.of(GOOD)));

    assertThatCode(() -> preflight.check("clusters/web", null)).doesNotThrowAnyException();
  }

  @Test
  void whileTheStoredConfigIsBrokenOnlyARepairPasses() {
    SnapshotPreflight preflight = new SnapshotPreflight(() -> stored(List.of(GOOD, WILD)));

    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> preflight.check("routes/new", route("routes/new", "a.example")));
    assertThat(violations(e)).singleElement().asString().startsWith("routes/wild.match.hosts[0]: ");
    assertThat(e.getStatus().getDescription()).startsWith("refused: every node would reject");

    assertThatCode(() -> preflight.check("routes/wild", null)).doesNotThrowAnyException();
    assertThatCode(() -> preflight.check("routes/wild", route("routes/wild", "*.example.com")))
        .doesNotThrowAnyException();
  }

  private static List<String> violations(StatusRuntimeException e) {
    try {
      return StatusProto.fromThrowable(e)
          .getDetails(0)
          .unpack(BadRequest.class)
          .getFieldViolationsList()
          .stream()
          .map(v -> v.getField() + ": " + v.getDescription())
          .toList();
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      throw new AssertionError(ex);
    }
  }

  private static StoredConfig stored(List<Route> routes) {
    return new StoredConfig(7, List.of(WEB), routes, List.of(), List.of());
  }

  private static Route route(String name, String host) {
    return Route.newBuilder()
        .setName(name)
        .setMatch(RouteMatch.newBuilder().addHosts(host).setPathPrefix("/"))
        .setForward(
            ForwardAction.newBuilder()
                .addClusters(WeightedCluster.newBuilder().setCluster("clusters/web")))
        .build();
  }
}
