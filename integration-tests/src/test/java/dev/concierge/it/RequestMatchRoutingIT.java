package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.HeaderMatch;
import dev.concierge.api.v1.QueryParameterMatch;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Header and query parameter matches through a real node: each path has a route with one test,
 * sending to "match", and a plain route, sending to "other", which takes what the test refuses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestMatchRoutingIT {
  @TempDir static Path dataDir;
  private TestBackend match;
  private TestBackend other;
  private Fleet fleet;

  @BeforeAll
  void setUp() throws Exception {
    match = TestBackend.start("match");
    other = TestBackend.start("other");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("match", match);
    fleet.createCluster("other", other);
    header("exact", HeaderMatch.newBuilder().setName("X-Team").setExact("blue"));
    header("prefix", HeaderMatch.newBuilder().setName("accept").setPrefix("text/"));
    header("regex", HeaderMatch.newBuilder().setName("x-v").setRegex("v[0-9]+"));
    header("present", HeaderMatch.newBuilder().setName("x-debug"));
    header("absent", HeaderMatch.newBuilder().setName("x-internal").setInvert(true));
    header("not-prod", HeaderMatch.newBuilder().setName("x-env").setExact("prod").setInvert(true));
    query("q-present", QueryParameterMatch.newBuilder().setName("debug"));
    query("q-exact", QueryParameterMatch.newBuilder().setName("v").setExact("2"));
    query("q-regex", QueryParameterMatch.newBuilder().setName("id").setRegex("[0-9]+"));
    query("q-decoded", QueryParameterMatch.newBuilder().setName("a b").setExact("c&d"));
    fleet.awaitSynced();
  }

  @AfterAll
  void tearDown() {
    fleet.close();
    match.close();
    other.close();
  }

  private void header(String id, HeaderMatch.Builder test) {
    fleet.createRoute(
        "m-" + id,
        Fleet.routeTo("/" + id, "match").toBuilder()
            .setMatch(RouteMatch.newBuilder().setPathPrefix("/" + id).addHeaders(test))
            .build());
    fleet.createRoute("o-" + id, "/" + id, "other");
  }

  private void query(String id, QueryParameterMatch.Builder test) {
    Route route =
        Fleet.routeTo("/" + id, "match").toBuilder()
            .setMatch(RouteMatch.newBuilder().setPathPrefix("/" + id).addQueryParameters(test))
            .build();
    fleet.createRoute("m-" + id, route);
    fleet.createRoute("o-" + id, "/" + id, "other");
  }

  /** The backend that answered the path, with headers given as name, value, name, value... */
  private String backendFor(String path, String... headers) {
    HttpRequest.Builder request = Http.request(fleet.nodes().get(0).httpPort(), path);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return Http.send(request).headers().firstValue("X-Backend").orElse("none");
  }

  @Test
  void headerValueEqualsIgnoringTheNamesCase() {
    assertThat(backendFor("/exact", "x-team", "blue")).isEqualTo("match");
    assertThat(backendFor("/exact", "X-TEAM", "blue")).isEqualTo("match");
    assertThat(backendFor("/exact", "x-team", "Blue")).isEqualTo("other");
    assertThat(backendFor("/exact")).isEqualTo("other");
  }

  @Test
  void aHeaderSentTwiceMatchesIfOneLineDoes() {
    String head = "GET /exact HTTP/1.1\r\nHost: x\r\nX-Team: red\r\nX-Team: blue\r\n";
    assertThat(
            Http.raw(fleet.nodes().get(0).httpPort(), head, InputStream.nullInputStream(), 0)
                .body())
        .contains("match");
  }

  @Test
  void headerPrefixRegexAndPresence() {
    assertThat(backendFor("/prefix", "accept", "text/html")).isEqualTo("match");
    assertThat(backendFor("/prefix", "accept", "application/json")).isEqualTo("other");
    assertThat(backendFor("/regex", "x-v", "v12")).isEqualTo("match");
    // The whole value must match: RE2 full match, not a search.
    assertThat(backendFor("/regex", "x-v", "v12x")).isEqualTo("other");
    assertThat(backendFor("/present", "x-debug", "")).isEqualTo("match");
    assertThat(backendFor("/present")).isEqualTo("other");
  }

  @Test
  void invertedTests() {
    assertThat(backendFor("/absent")).isEqualTo("match");
    assertThat(backendFor("/absent", "x-internal", "1")).isEqualTo("other");
    assertThat(backendFor("/not-prod", "x-env", "staging")).isEqualTo("match");
    assertThat(backendFor("/not-prod")).isEqualTo("match");
    assertThat(backendFor("/not-prod", "x-env", "prod")).isEqualTo("other");
  }

  @Test
  void queryParameters() {
    assertThat(backendFor("/q-present?debug")).isEqualTo("match");
    assertThat(backendFor("/q-present?x=1&debug=")).isEqualTo("match");
    assertThat(backendFor("/q-present?debugging=1")).isEqualTo("other");
    assertThat(backendFor("/q-exact?v=1&v=2")).isEqualTo("match");
    assertThat(backendFor("/q-exact?v=22")).isEqualTo("other");
    assertThat(backendFor("/q-regex?id=123")).isEqualTo("match");
    assertThat(backendFor("/q-regex?id=12a")).isEqualTo("other");
    assertThat(backendFor("/q-decoded?a+b=c%26d")).isEqualTo("match");
    assertThat(backendFor("/q-decoded?a%20b=c%26d")).isEqualTo("match");
    assertThat(backendFor("/q-decoded?a+b=c&d")).isEqualTo("other");
    assertThat(backendFor("/q-exact")).isEqualTo("other");
  }
}
