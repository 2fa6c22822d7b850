package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import dev.concierge.dataplane.DataPlaneServer;
import dev.concierge.dataplane.trace.otlp.OtlpSettings;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTLP span export of the proxy hop, end to end: nodes export to an OTLP/HTTP receiver this test
 * runs itself (the collector's {@code /v1/traces}, protobuf), and a backend records the traceparent
 * it got, so the span's ids are checked against what went upstream.
 */
class TraceExportIT {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String CALLER_SPAN = "b7ad6b7169203331";
  private static final HexFormat HEX = HexFormat.of();

  /** One span as the receiver got it, with its resource's attributes. */
  record Received(Map<String, String> resource, Span span) {
    String traceId() {
      return HEX.formatHex(span.getTraceId().toByteArray());
    }

    String spanId() {
      return HEX.formatHex(span.getSpanId().toByteArray());
    }

    String parentSpanId() {
      return HEX.formatHex(span.getParentSpanId().toByteArray());
    }

    String node() {
      return resource.get("service.instance.id");
    }

    Optional<AnyValue> attribute(String key) {
      return span.getAttributesList().stream()
          .filter(kv -> kv.getKey().equals(key))
          .map(KeyValue::getValue)
          .findFirst();
    }
  }

  @TempDir Path dataDir;
  private final Queue<Received> received = new ConcurrentLinkedQueue<>();
  private HttpServer collector;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer traced;
  private DataPlaneServer unsampled;

  @BeforeEach
  void setUp() throws Exception {
    collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    collector.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in);
            for (ResourceSpans spans : request.getResourceSpansList()) {
              Map<String, String> resource =
                  spans.getResource().getAttributesList().stream()
                      .collect(
                          Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue()));
              for (ScopeSpans scope : spans.getScopeSpansList()) {
                scope.getSpansList().forEach(span -> received.add(new Received(resource, span)));
              }
            }
          } catch (IOException | RuntimeException e) {
            exchange.sendResponseHeaders(400, -1);
            exchange.close();
            return;
          }
          // An empty ExportTraceServiceResponse: everything accepted.
          byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        });
    collector.start();
    String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();

    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 0);
    traced =
        fleet.startNode(
            "traced",
            b -> b.tracing(OtlpSettings.of(endpoint).withExportDelay(Duration.ofMillis(100))));
    unsampled =
        fleet.startNode(
            "unsampled",
            b ->
                b.tracing(
                    OtlpSettings.of(endpoint)
                        .withSampleRatio(0)
                        .withExportDelay(Duration.ofMillis(100))));
    fleet.createCluster("app", backend);
    fleet.createRoute("app", "/app", "app");
    fleet.createCluster("down", Pebble.freePort());
    fleet.createRoute("down", "/down", "down");
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
    if (collector != null) {
      collector.stop(0);
    }
  }

  private static String[] traceparent(Headers headers) {
    String value = headers.getFirst("traceparent");
    assertThat(value).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    return value.split("-");
  }

  private Received awaitSpan(String traceId) {
    return await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> received.stream().filter(r -> r.traceId().equals(traceId)).findFirst(),
            Optional::isPresent)
        .orElseThrow();
  }

  private HttpResponse<String> get(DataPlaneServer node, String path, String traceparent) {
    return Http.send(Http.request(node.httpPort(), path).header("traceparent", traceparent));
  }

  @Test
  void exportsTheHopOfASampledCallersTraceWithTheIdsTheBackendSaw() {
    HttpResponse<String> response =
        get(traced, "/app/items?token=s3cret", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01");
    assertThat(response.statusCode()).isEqualTo(200);
    String[] upstream = traceparent(backend.lastRequestHeaders());
    assertThat(upstream[1]).isEqualTo(TRACE_ID);
    assertThat(upstream[3]).isEqualTo("01");

    Received hop = awaitSpan(TRACE_ID);

    assertThat(hop.parentSpanId()).isEqualTo(CALLER_SPAN);
    assertThat(hop.spanId()).isEqualTo(upstream[2]);
    assertThat(hop.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(hop.span().getName()).isEqualTo("GET routes/app");
    assertThat(hop.span().getEndTimeUnixNano()).isGreaterThan(hop.span().getStartTimeUnixNano());
    assertThat(hop.span().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
    assertThat(hop.attribute("http.request.method").orElseThrow().getStringValue())
        .isEqualTo("GET");
    assertThat(hop.attribute("http.response.status_code").orElseThrow().getIntValue())
        .isEqualTo(200);
    assertThat(hop.attribute("url.path").orElseThrow().getStringValue()).isEqualTo("/app/items");
    assertThat(hop.attribute("concierge.route").orElseThrow().getStringValue())
        .isEqualTo("routes/app");
    assertThat(hop.attribute("concierge.cluster").orElseThrow().getStringValue())
        .isEqualTo("clusters/app");
    assertThat(hop.attribute("concierge.upstream.address").orElseThrow().getStringValue())
        .isEqualTo("127.0.0.1:" + backend.port());
    assertThat(hop.attribute("network.peer.address").orElseThrow().getStringValue())
        .isEqualTo("127.0.0.1");
    assertThat(hop.attribute("concierge.request_id").orElseThrow().getStringValue())
        .isEqualTo(backend.lastRequestHeaders().getFirst("X-Request-Id"));
    assertThat(hop.span().toString()).doesNotContain("s3cret");
    assertThat(hop.resource())
        .containsEntry("service.name", "concierge-node")
        .containsEntry("service.instance.id", "traced");
  }

  @Test
  void startsASampledTraceWhenNoneCameAndExportsItsRoot() {
    assertThat(Http.get(traced.httpPort(), "/app/fresh").statusCode()).isEqualTo(200);
    String[] upstream = traceparent(backend.lastRequestHeaders());
    assertThat(upstream[3]).isEqualTo("01");

    Received hop = awaitSpan(upstream[1]);

    assertThat(hop.spanId()).isEqualTo(upstream[2]);
    assertThat(hop.span().getParentSpanId()).isEqualTo(ByteString.EMPTY);
  }

  @Test
  void marksTheNodesOwn5xxAnswerAsAnError() {
    HttpResponse<String> response =
        get(traced, "/down/x", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01");
    assertThat(response.statusCode()).isGreaterThanOrEqualTo(500);
    assertThat(response.body()).contains("trace-id: " + TRACE_ID);

    Received hop = awaitSpan(TRACE_ID);

    assertThat(hop.span().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(hop.attribute("http.response.status_code").orElseThrow().getIntValue())
        .isEqualTo(response.statusCode());
    assertThat(hop.attribute("error.type").orElseThrow().getStringValue())
        .isEqualTo(Integer.toString(response.statusCode()));
  }

  @Test
  void exportsNothingOfAnUnsampledTraceNorOfNewTracesAtRatioZero() {
    String unsampledCaller = "1af7651916cd43dd8448eb211c80319c";
    get(traced, "/app/a", "00-" + unsampledCaller + "-" + CALLER_SPAN + "-00");
    assertThat(traceparent(backend.lastRequestHeaders())[3]).isEqualTo("00");
    for (int i = 0; i < 5; i++) {
      assertThat(Http.get(unsampled.httpPort(), "/app/b").statusCode()).isEqualTo(200);
      assertThat(traceparent(backend.lastRequestHeaders())[3]).isEqualTo("00");
    }
    // A sampled caller's trace is exported even at ratio 0 (parent-based), after the others: once
    // its span is in, theirs would be too, had they been exported.
    get(unsampled, "/app/c", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01");
    get(traced, "/app/d", "00-" + TRACE_ID.replace('0', '2') + "-" + CALLER_SPAN + "-01");

    Received parentBased = awaitSpan(TRACE_ID);
    awaitSpan(TRACE_ID.replace('0', '2'));

    assertThat(parentBased.node()).isEqualTo("unsampled");
    assertThat(received).extracting(Received::traceId).doesNotContain(unsampledCaller);
    assertThat(received)
        .filteredOn(r -> "unsampled".equals(r.node()))
        .extracting(Received::traceId)
        .containsExactly(TRACE_ID);
    assertThat(List.copyOf(received)).hasSize(2);
    String metrics = NodeMetricsText.of(traced);
    assertThat(NodeMetricsText.sum(metrics, "concierge_trace_spans_dropped_total")).isZero();
    assertThat(metrics).contains("concierge_trace_spans_dropped_total 0.0");
  }
}
