package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import dev.concierge.api.v1.AccessLogPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.DataPlaneServer;
import dev.concierge.dataplane.accesslog.AccessLog;
import dev.concierge.dataplane.accesslog.AccessLogDestination;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's access log (a JSON line per request, in a file), request ids and W3C trace context, end
 * to end: real nodes, a real backend that records the headers it got.
 */
class AccessLogIT {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String CALLER_SPAN = "b7ad6b7169203331";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;
  @TempDir Path logDir;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer node;
  private DataPlaneServer trusting;
  private Path log;
  private Path trustingLog;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 0);
    log = logDir.resolve("node.log");
    trustingLog = logDir.resolve("trusting.log");
    node = fleet.startNode("node", b -> b.accessLog(AccessLogDestination.file(log)));
    trusting =
        fleet.startNode(
            "trusting",
            b ->
                b.trustedProxies(List.of("127.0.0.1/32"))
                    .accessLog(AccessLogDestination.file(trustingLog)));
    fleet.createCluster("app", backend);
    Route app = Fleet.routeTo("/app", "app");
    fleet.createRoute(
        "app",
        app.toBuilder()
            .setAccessLog(AccessLogPolicy.newBuilder().addSecretQueryParams("token"))
            .build());
    fleet.createRoute(
        "quiet",
        Fleet.routeTo("/quiet", "app").toBuilder()
            .setAccessLog(AccessLogPolicy.newBuilder().setDisabled(true))
            .build());
    fleet.awaitSynced();
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backend.close();
  }

  private static List<JsonNode> lines(Path file) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    if (!Files.exists(file)) {
      return lines;
    }
    for (String line : Files.readAllLines(file)) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  private static List<JsonNode> awaitLines(Path file, int count) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> lines(file), l -> l.size() >= count);
  }

  private static String[] traceparent(Headers headers) {
    String value = headers.getFirst("traceparent");
    assertThat(value).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    return value.split("-");
  }

  @Test
  void logsOneJsonLinePerRequestWithoutCredentialsOrSecretQueryValues() throws Exception {
    HttpResponse<String> response =
        Http.send(
            Http.request(node.httpPort(), "/app/items?token=s3cret&page=2")
                .header("Authorization", "Bearer s3cret")
                .header("Cookie", "sid=abc")
                .header("User-Agent", "access-log-it/1.0"));
    assertThat(response.statusCode()).isEqualTo(200);
    Headers seen = backend.lastRequestHeaders();

    JsonNode line = awaitLines(log, 1).get(0);

    assertThat(line.fieldNames()).toIterable().containsExactlyElementsOf(AccessLog.FIELDS);
    assertThat(line.get("time").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(line.get("client").asText()).isEqualTo("127.0.0.1");
    assertThat(line.get("method").asText()).isEqualTo("GET");
    assertThat(line.get("host").asText()).isEqualTo("127.0.0.1:" + node.httpPort());
    assertThat(line.get("path").asText()).isEqualTo("/app/items?token=REDACTED&page=2");
    assertThat(line.get("protocol").asText()).isEqualTo("HTTP/1.1");
    assertThat(line.get("status").asInt()).isEqualTo(200);
    assertThat(line.get("duration_ms").asDouble()).isPositive();
    assertThat(line.get("route").asText()).isEqualTo("routes/app");
    assertThat(line.get("cluster").asText()).isEqualTo("clusters/app");
    assertThat(line.get("upstream").asText()).isEqualTo("127.0.0.1:" + backend.port());
    assertThat(line.get("upstream_ms").asDouble()).isPositive();
    assertThat(line.get("bytes_in").asLong()).isZero();
    assertThat(line.get("bytes_out").asLong()).isEqualTo("app".length());
    assertThat(line.get("request_id").asText()).isEqualTo(seen.getFirst("X-Request-Id"));
    assertThat(line.get("trace_id").asText()).isEqualTo(traceparent(seen)[1]);
    assertThat(line.get("user_agent").asText()).isEqualTo("access-log-it/1.0");
    assertThat(line.get("tls").isNull()).isTrue();
    String file = Files.readString(log);
    assertThat(file).doesNotContain("s3cret").doesNotContain("sid=abc").doesNotContain("Bearer");
  }

  @Test
  void aRouteWithTheLogOffWritesNothing() throws Exception {
    assertThat(Http.get(node.httpPort(), "/quiet/x").statusCode()).isEqualTo(200);
    assertThat(Http.get(node.httpPort(), "/app/after").statusCode()).isEqualTo(200);

    List<JsonNode> lines = awaitLines(log, 1);

    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).get("path").asText()).isEqualTo("/app/after");
  }

  @Test
  void continuesTheCallersTraceWithANewParentIdAndPassesTracestate() {
    HttpResponse<String> response =
        Http.send(
            Http.request(node.httpPort(), "/app/t")
                .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01")
                .header("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
    assertThat(response.statusCode()).isEqualTo(200);

    Headers seen = backend.lastRequestHeaders();
    String[] parts = traceparent(seen);
    assertThat(parts[1]).isEqualTo(TRACE_ID);
    assertThat(parts[2]).isNotEqualTo(CALLER_SPAN).isNotEqualTo("0000000000000000");
    assertThat(parts[3]).isEqualTo("01");
    assertThat(seen.get("traceparent")).hasSize(1);
    assertThat(seen.getFirst("tracestate")).isEqualTo("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  }

  @Test
  void startsAFreshTraceWhenNoneOrAnInvalidOneCame() {
    assertThat(Http.get(node.httpPort(), "/app/none").statusCode()).isEqualTo(200);
    String[] fresh = traceparent(backend.lastRequestHeaders());
    assertThat(fresh[1]).isNotEqualTo("00000000000000000000000000000000");
    assertThat(fresh[3]).isEqualTo("00");

    HttpResponse<String> invalid =
        Http.send(
            Http.request(node.httpPort(), "/app/bad")
                .header(
                    "traceparent",
                    "00-" + TRACE_ID.toUpperCase(java.util.Locale.ROOT) + "-" + CALLER_SPAN + "-01")
                .header("tracestate", "congo=t61rcWkgMzE"));
    assertThat(invalid.statusCode()).isEqualTo(200);
    Headers seen = backend.lastRequestHeaders();
    String[] restarted = traceparent(seen);
    assertThat(restarted[1]).isNotEqualToIgnoringCase(TRACE_ID).isNotEqualTo(fresh[1]);
    assertThat(seen.containsKey("tracestate")).isFalse();
  }

  @Test
  void keepsTheRequestIdOfATrustedProxyAndReplacesAnyOtherPeers() {
    Http.send(Http.request(trusting.httpPort(), "/app/id").header("X-Request-Id", "lb-4711"));
    assertThat(backend.lastRequestHeaders().get("X-Request-Id")).containsExactly("lb-4711");

    Http.send(Http.request(node.httpPort(), "/app/id").header("X-Request-Id", "lb-4711"));
    assertThat(backend.lastRequestHeaders().get("X-Request-Id"))
        .hasSize(1)
        .first()
        .asString()
        .isNotEqualTo("lb-4711")
        .matches("[0-9a-f]{8}-[0-9a-f]+");

    // Even a trusted proxy's id is replaced when it is no sane id.
    Http.send(Http.request(trusting.httpPort(), "/app/id").header("X-Request-Id", "x".repeat(200)));
    assertThat(backend.lastRequestHeaders().getFirst("X-Request-Id"))
        .matches("[0-9a-f]{8}-[0-9a-f]+");
    List<JsonNode> lines = awaitLines(trustingLog, 2);
    assertThat(lines.get(0).get("request_id").asText()).isEqualTo("lb-4711");
  }

  @Test
  void errorAnswersCarryTheRequestIdAndTraceIdOfTheLogLine() {
    HttpResponse<String> response =
        Http.send(
            Http.request(node.httpPort(), "/nowhere")
                .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01"));

    assertThat(response.statusCode()).isEqualTo(404);
    String id = response.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(response.body())
        .isEqualTo("no route\nrequest-id: " + id + "\ntrace-id: " + TRACE_ID + "\n");
    JsonNode line = awaitLines(log, 1).get(0);
    assertThat(line.get("status").asInt()).isEqualTo(404);
    assertThat(line.get("request_id").asText()).isEqualTo(id);
    assertThat(line.get("trace_id").asText()).isEqualTo(TRACE_ID);
    assertThat(line.get("route").isNull()).isTrue();
    assertThat(line.get("upstream").isNull()).isTrue();
    assertThat(line.get("cluster").isNull()).isTrue();
  }

  @Test
  void logsAndCountsWhatTheNodeRejectsBeforeTheChain() {
    Http.RawResponse tooLarge =
        Http.raw(
            node.httpPort(),
            "GET /app/big HTTP/1.1\r\nHost: t\r\nX-Big: " + "a".repeat(20_000) + "\r\n",
            InputStream.nullInputStream(),
            0);

    assertThat(tooLarge.status()).isEqualTo(431);
    assertThat(tooLarge.body()).startsWith("request header fields too large\nrequest-id: ");
    String id = tooLarge.body().lines().skip(1).findFirst().orElseThrow().substring(12);
    JsonNode line = awaitLines(log, 1).get(0);
    assertThat(line.fieldNames()).toIterable().containsExactlyElementsOf(AccessLog.FIELDS);
    assertThat(line.get("status").asInt()).isEqualTo(431);
    assertThat(line.get("method").asText()).isEqualTo("GET");
    assertThat(line.get("path").asText()).isEqualTo("/app/big");
    assertThat(line.get("client").asText()).isEqualTo("127.0.0.1");
    assertThat(line.get("request_id").asText()).isEqualTo(id);
    assertThat(line.get("trace_id").asText()).matches("[0-9a-f]{32}");
    assertThat(line.get("route").isNull()).isTrue();
    assertThat(line.get("upstream").isNull()).isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                NodeMetricsText.sum(
                    NodeMetricsText.of(node),
                    "concierge_requests_total",
                    "route=\"\"",
                    "code_class=\"4xx\""),
            total -> total == 1);
  }
}
