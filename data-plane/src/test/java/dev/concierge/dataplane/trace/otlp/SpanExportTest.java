package dev.concierge.dataplane.trace.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.PolicySet;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.stats.StatsHandler;
import dev.concierge.dataplane.stats.TrafficStats;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hop's span, taken at completion through the chain's outermost stage and batched out. */
class SpanExportTest {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String CALLER = "b7ad6b7169203331";

  private final Queue<SpanData> exported = new ConcurrentLinkedQueue<>();
  private final AtomicReference<String> hopSpanId = new AtomicReference<>();
  private final TrafficStats stats = new TrafficStats();
  private SpanExport export;
  private Server server;
  private LocalConnector local;

  /** Keeps what it is given. */
  private final class Collecting implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      exported.addAll(spans);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  @BeforeEach
  void start() throws Exception {
    startWith(
        new SpanExport(
            OtlpSettings.of("http://127.0.0.1:4318").withExportDelay(Duration.ofMillis(20)),
            meters -> new Collecting(),
            "1.2.3"));
  }

  private void startWith(SpanExport spans) throws Exception {
    export = spans;
    export.nodeId("node-1");
    server = new Server();
    local = new LocalConnector(server);
    server.addConnector(local);
    Handler stage =
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            RequestContext context = RequestContext.of(request);
            context.route("routes/r", PolicySet.empty(), stats.route("routes/r"));
            hopSpanId.set(context.trace().spanId()); // what the backend would get as parent
            if (Request.getPathInContext(request).equals("/broken")) {
              ErrorAnswers.write(request, response, callback, 503, "no healthy upstream");
            } else {
              context.cluster("clusters/c", stats.cluster("clusters/c"));
              context.upstreamStarted(() -> "10.0.0.1:8080");
              context.upstreamEnded();
              Content.Sink.write(response, true, "ok", callback);
            }
            return true;
          }
        };
    server.setHandler(
        new StatsHandler(
            stats, System::nanoTime, export, ThreadLocalRandom::current, export.sampler(), stage));
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
    export.close();
  }

  private String get(String path, String traceparent) throws Exception {
    return local.getResponse(
        "GET "
            + path
            + " HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: t/1\r\n"
            + (traceparent == null ? "" : "traceparent: " + traceparent + "\r\n")
            + "Connection: close\r\n\r\n");
  }

  private SpanData awaitSpan() {
    return await().atMost(Duration.ofSeconds(5)).until(exported::poll, s -> s != null);
  }

  private static Object attribute(SpanData span, String key) {
    return span.getAttributes().asMap().entrySet().stream()
        .filter(e -> e.getKey().getKey().equals(key))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(null);
  }

  @Test
  void exportsTheHopAsAServerSpanWithTheHopsOwnIds() throws Exception {
    assertThat(get("/items?token=s3cret", "00-" + TRACE_ID + "-" + CALLER + "-01"))
        .startsWith("HTTP/1.1 200");

    SpanData span = awaitSpan();

    assertThat(span.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(span.getParentSpanId()).isEqualTo(CALLER);
    assertThat(span.getParentSpanContext().isRemote()).isTrue();
    assertThat(span.getSpanId()).isEqualTo(hopSpanId.get());
    assertThat(span.getSpanContext().isSampled()).isTrue();
    assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(span.getName()).isEqualTo("GET routes/r");
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(span.getEndEpochNanos()).isGreaterThan(span.getStartEpochNanos());
    assertThat(span.getStartEpochNanos())
        .isCloseTo(
            System.currentTimeMillis() * 1_000_000L, within(Duration.ofSeconds(10).toNanos()));
    assertThat(attribute(span, "http.request.method")).isEqualTo("GET");
    assertThat(attribute(span, "http.response.status_code")).isEqualTo(200L);
    assertThat(attribute(span, "url.path")).isEqualTo("/items");
    assertThat(attribute(span, "url.scheme")).isEqualTo("http");
    assertThat(attribute(span, "server.address")).isEqualTo("shop.example");
    assertThat(attribute(span, "network.protocol.version")).isEqualTo("1.1");
    assertThat(attribute(span, "user_agent.original")).isEqualTo("t/1");
    assertThat(attribute(span, "concierge.route")).isEqualTo("routes/r");
    assertThat(attribute(span, "concierge.cluster")).isEqualTo("clusters/c");
    assertThat(attribute(span, "concierge.upstream.address")).isEqualTo("10.0.0.1:8080");
    assertThat(attribute(span, "error.type")).isNull();
    assertThat(span.getAttributes().asMap().values())
        .noneMatch(v -> v.toString().contains("s3cret"));
    assertThat(span.getResource().getAttribute(AttributeKey.stringKey("service.name")))
        .isEqualTo("concierge-node");
    assertThat(span.getResource().getAttribute(AttributeKey.stringKey("service.instance.id")))
        .isEqualTo("node-1");
    assertThat(span.getResource().getAttribute(AttributeKey.stringKey("service.version")))
        .isEqualTo("1.2.3");
  }

  @Test
  void marksA5xxAnswerAsAnError() throws Exception {
    assertThat(get("/broken", null)).startsWith("HTTP/1.1 503");

    SpanData span = awaitSpan();

    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(attribute(span, "error.type")).isEqualTo("503");
    assertThat(attribute(span, "http.response.status_code")).isEqualTo(503L);
    assertThat(span.getParentSpanContext().isValid()).isFalse(); // the node started this trace
  }

  @Test
  void leavesOutAnUnsampledTrace() throws Exception {
    get("/items", "00-" + TRACE_ID + "-" + CALLER + "-00");
    get("/items", "00-" + TRACE_ID.replace('0', '1') + "-" + CALLER + "-01");

    SpanData span = awaitSpan();

    assertThat(span.getTraceId()).isEqualTo(TRACE_ID.replace('0', '1'));
    export.close(); // flushes: had the unsampled one been queued, it would be here now
    assertThat(List.copyOf(exported)).isEmpty();
    assertThat(export.lost()).isZero();
  }

  @Test
  void countsSpansTheCollectorDidNotTake() throws Exception {
    stop();
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    // The real OTLP/HTTP exporter, to a port nobody listens on: it retries, then gives up.
    startWith(
        SpanExport.start(
            OtlpSettings.of("http://127.0.0.1:" + closed).withExportDelay(Duration.ofMillis(20)),
            "1.2.3"));

    assertThat(get("/items", null)).startsWith("HTTP/1.1 200");

    await().atMost(Duration.ofSeconds(30)).until(() -> export.lost() == 1);
  }

  @Test
  void countsSpansDroppedAfterTheExportStopped() throws Exception {
    export.close();

    get("/items", null);

    await().atMost(Duration.ofSeconds(5)).until(() -> export.lost() == 1);
  }
}
