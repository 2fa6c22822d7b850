package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.DirectResponseAction;
import dev.concierge.api.v1.RedirectAction;
import dev.concierge.api.v1.RegexRewrite;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Redirects and direct responses, answered by a real node without any backend. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalAnswerIT {
  @TempDir static Path dataDir;
  private Fleet fleet;
  private int port;

  @BeforeAll
  void setUp() throws Exception {
    fleet = Fleet.start(dataDir, 1);
    port = fleet.nodes().get(0).httpPort();
    redirect("keep", "/keep", RedirectAction.newBuilder());
    redirect("https", "/secure", RedirectAction.newBuilder().setScheme("https").setStatus(308));
    redirect(
        "elsewhere",
        "/moved",
        RedirectAction.newBuilder().setHost("www.example.com").setPort(8443).setPath("/new"));
    redirect("v1", "/v1", RedirectAction.newBuilder().setPrefix("/v2").setStatus(302));
    redirect(
        "regex",
        "/items",
        RedirectAction.newBuilder()
            .setRegex(
                RegexRewrite.newBuilder()
                    .setPattern("^/items/([0-9]+)/(.*)$")
                    .setSubstitution("/things/$2/$1"))
            .setDropQuery(true));
    fleet.createRoute(
        "teapot",
        Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPathExact("/teapot"))
            .setDirectResponse(
                DirectResponseAction.newBuilder()
                    .setStatus(418)
                    .setBody("{\"short\":\"stout\"}")
                    .setContentType("application/json"))
            .build());
    fleet.createRoute(
        "empty",
        Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPathExact("/healthz"))
            .setDirectResponse(DirectResponseAction.newBuilder().setStatus(200))
            .build());
    fleet.awaitSynced();
  }

  @AfterAll
  void tearDown() {
    fleet.close();
  }

  private void redirect(String id, String prefix, RedirectAction.Builder redirect) {
    fleet.createRoute(
        id,
        Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPathPrefix(prefix))
            .setRedirect(redirect)
            .build());
  }

  private HttpResponse<String> get(String path) {
    return Http.send(Http.request(port, path));
  }

  private String location(HttpResponse<String> response) {
    return response.headers().firstValue("Location").orElse("none");
  }

  @Test
  void redirectsKeepWhatTheyDoNotReplace() {
    HttpResponse<String> r = get("/keep/a?x=1");
    assertThat(r.statusCode()).isEqualTo(301);
    assertThat(location(r)).isEqualTo("http://127.0.0.1:" + port + "/keep/a?x=1");
    assertThat(r.body()).isEmpty();
  }

  @Test
  void aNewSchemeDropsTheOldDefaultlessPort() {
    HttpResponse<String> r = get("/secure/login?next=%2F");
    assertThat(r.statusCode()).isEqualTo(308);
    assertThat(location(r)).isEqualTo("https://127.0.0.1/secure/login?next=%2F");
  }

  @Test
  void hostPortAndPathReplaced() {
    assertThat(location(get("/moved/anything"))).isEqualTo("http://www.example.com:8443/new");
  }

  @Test
  void theMatchedPrefixReplaced() {
    HttpResponse<String> r = get("/v1/users/7");
    assertThat(r.statusCode()).isEqualTo(302);
    assertThat(location(r)).isEqualTo("http://127.0.0.1:" + port + "/v2/users/7");
  }

  @Test
  void aRegexRewriteWithGroupsAndTheQueryDropped() {
    assertThat(location(get("/items/42/photo.jpg?size=big")))
        .isEqualTo("http://127.0.0.1:" + port + "/things/photo.jpg/42");
  }

  @Test
  void directResponsesWithTheirStatusTypeAndBody() {
    HttpResponse<String> teapot = get("/teapot");
    assertThat(teapot.statusCode()).isEqualTo(418);
    assertThat(teapot.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(teapot.body()).isEqualTo("{\"short\":\"stout\"}");
    HttpResponse<String> head =
        Http.send(
            Http.request(port, "/teapot").method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertThat(head.statusCode()).isEqualTo(418);
    assertThat(head.body()).isEmpty();
    HttpResponse<String> health = get("/healthz");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(health.body()).isEmpty();
  }
}
