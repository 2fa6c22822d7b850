package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.concierge.api.v1.GetRouteRequest;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A route with methods takes only those; other methods fall through to a route without. */
class MethodRoutingIT {
  @TempDir Path dataDir;
  private TestBackend reads;
  private TestBackend others;
  private Fleet fleet;

  @BeforeEach
  void setUp() throws Exception {
    reads = TestBackend.start("reads");
    others = TestBackend.start("others");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("reads", reads);
    fleet.createCluster("others", others);
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    reads.close();
    others.close();
  }

  private static Route readsOnM(List<String> methods) {
    return Fleet.routeTo("/m", "reads").toBuilder()
        .setMatch(RouteMatch.newBuilder().setPathPrefix("/m").addAllMethods(methods))
        .build();
  }

  /** The X-Backend header of the answer to {@code method /m} (HEAD answers have no body). */
  private String backendFor(String method) {
    HttpResponse<String> response =
        Http.send(
            Http.request(fleet.nodes().get(0).httpPort(), "/m")
                .method(method, HttpRequest.BodyPublishers.noBody()));
    assertThat(response.statusCode()).as("%s /m: %s", method, response.body()).isEqualTo(200);
    return response.headers().firstValue("X-Backend").orElse("none");
  }

  @Test
  void routesByMethod() {
    fleet.createRoute("reads", readsOnM(List.of("GET", "HEAD")));
    fleet.createRoute("catch-all", "/", "others");
    fleet.awaitSynced();

    assertThat(backendFor("GET")).isEqualTo("reads");
    assertThat(backendFor("HEAD")).isEqualTo("reads");
    assertThat(backendFor("POST")).isEqualTo("others");
    assertThat(backendFor("DELETE")).isEqualTo("others");
    assertThat(reads.requests()).isEqualTo(2);
    assertThat(others.requests()).isEqualTo(2);
  }

  @Test
  void refusesMethodsThatAreNotUpperCaseTokens() {
    long revision = fleet.controlPlane().revision();
    for (String method : List.of("G T", "get")) {
      StatusRuntimeException e =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () -> fleet.createRoute("bad", readsOnM(List.of(method))));

      assertThat(e).as("methods [\"%s\"] accepted", method).isNotNull();
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(GrpcErrors.fieldsOf(e)).as(method).contains("route.match.methods[0]");
      StatusRuntimeException lookup =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  fleet.api().getRoute(GetRouteRequest.newBuilder().setName("routes/bad").build()));
      assertThat(lookup).as("routes/bad was stored").isNotNull();
      assertThat(lookup.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }
    assertThat(fleet.controlPlane().revision()).isEqualTo(revision);
  }
}
