package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Cors;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.Policy;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CORS policies through a real node: a preflight answered at the edge (the backend sees nothing),
 * an allowed origin's response given the Access-Control-* fields, a refused origin none, a request
 * without Origin untouched, a fleet default replaced by a route's own, and the node's own error
 * answers given the fields too.
 */
class CorsIT {
  private static final String APP = "https://app.example.com";

  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer node;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 0);
    node = fleet.startNode("n1");
    fleet.createCluster("app", backend);
    createPolicy(
        "app",
        Cors.newBuilder()
            .addAllowOrigins(APP)
            .addAllowOrigins("https://*.example.net")
            .addAllowMethods("PUT")
            .addAllowHeaders("Content-Type")
            .addExposeHeaders("X-Backend")
            .setAllowCredentials(true)
            .setMaxAgeSeconds(600),
        false);
    createPolicy("site", Cors.newBuilder().addAllowOrigins("https://site.example"), true);
    fleet.createRoute(
        "api", Fleet.routeTo("/api", "app").toBuilder().addPolicies("policies/app").build());
    fleet.createRoute("web", "/", "app");
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    fleet.createCluster("down", closedPort);
    fleet.createRoute(
        "down", Fleet.routeTo("/down", "down").toBuilder().addPolicies("policies/app").build());
    fleet.awaitSynced();
  }

  @AfterEach
  void tearDown() {
    if (fleet != null) {
      fleet.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private void createPolicy(String id, Cors.Builder cors, boolean fleetDefault) {
    fleet
        .api()
        .createPolicy(
            CreatePolicyRequest.newBuilder()
                .setPolicyId(id)
                .setPolicy(Policy.newBuilder().setCors(cors).setFleetDefault(fleetDefault))
                .build());
  }

  private HttpResponse<String> preflight(String path, String origin, String method) {
    return Http.send(
        Http.request(node.httpPort(), path)
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", "content-type"));
  }

  private HttpResponse<String> from(String path, String origin) {
    return Http.send(Http.request(node.httpPort(), path).GET().header("Origin", origin));
  }

  @Test
  void preflightIsAnsweredAtTheEdgeWithTheAllowFields() {
    int before = backend.requests();
    HttpResponse<String> answer = preflight("/api/items", APP, "PUT");
    assertThat(answer.statusCode()).isEqualTo(204);
    assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
    assertThat(answer.headers().firstValue("Access-Control-Allow-Methods")).hasValue("PUT");
    assertThat(answer.headers().firstValue("Access-Control-Allow-Headers"))
        .hasValue("Content-Type");
    assertThat(answer.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
    assertThat(answer.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
    assertThat(answer.headers().firstValue("Vary")).hasValue("Origin");
    assertThat(backend.requests()).as("a preflight never reaches the backend").isEqualTo(before);
  }

  @Test
  void refusedPreflightGetsNoAllowFieldsAndIsNotForwarded() {
    int before = backend.requests();
    HttpResponse<String> answer = preflight("/api/items", "https://evil.example", "PUT");
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(answer.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
    assertThat(preflight("/api/items", APP, "PATCH").headers().map())
        .doesNotContainKey("access-control-allow-origin");
    assertThat(backend.requests()).isEqualTo(before);
  }

  @Test
  void allowedOriginsResponseGetsTheFieldsAndOthersNone() {
    HttpResponse<String> allowed = from("/api/items", "https://a.example.net");
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).isEqualTo("app");
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue("https://a.example.net");
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
    assertThat(allowed.headers().firstValue("Access-Control-Expose-Headers")).hasValue("X-Backend");
    assertThat(allowed.headers().allValues("Vary")).contains("Origin");
    assertThat(backend.lastRequestHeaders().getFirst("Origin")).isEqualTo("https://a.example.net");

    HttpResponse<String> refused = from("/api/items", "https://evil.example");
    assertThat(refused.statusCode()).isEqualTo(200);
    assertThat(refused.headers().map().keySet())
        .noneMatch(name -> name.startsWith("access-control-"));

    HttpResponse<String> noOrigin = Http.get(node.httpPort(), "/api/items");
    assertThat(noOrigin.statusCode()).isEqualTo(200);
    assertThat(noOrigin.headers().map().keySet())
        .noneMatch(name -> name.startsWith("access-control-") || name.equals("vary"));
  }

  @Test
  void theFleetDefaultAppliesWhereTheRouteNamesNoCorsPolicy() {
    assertThat(
            from("/", "https://site.example").headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue("https://site.example");
    assertThat(from("/", APP).headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(
            from("/api", "https://site.example")
                .headers()
                .firstValue("Access-Control-Allow-Origin"))
        .as("the route's own replaces the fleet default")
        .isEmpty();
    assertThat(preflight("/", "https://site.example", "POST").statusCode()).isEqualTo(204);
  }

  @Test
  void theNodesOwnAnswersCarryTheFieldsSoThePageCanReadThem() {
    HttpResponse<String> failed = from("/down/x", APP);
    assertThat(failed.statusCode()).isBetween(502, 503);
    assertThat(failed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
    assertThat(failed.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
    assertThat(failed.headers().allValues("Vary")).contains("Origin");

    HttpResponse<String> refused = from("/down/x", "https://evil.example");
    assertThat(refused.headers().map().keySet())
        .noneMatch(name -> name.startsWith("access-control-"));
  }
}
