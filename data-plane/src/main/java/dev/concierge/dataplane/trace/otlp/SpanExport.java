package dev.concierge.dataplane.trace.otlp;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RequestLog;
import dev.concierge.dataplane.trace.TraceContext;
import dev.concierge.dataplane.trace.TraceSampler;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's span export: at each request's completion, when its trace is sampled, hands the proxy
 * hop's span ({@link HopSpan}) to the OpenTelemetry SDK's {@link BatchSpanProcessor}, which queues
 * it without locks (a bounded multi-producer queue; full: dropped and counted) and sends batches to
 * the collector on its own thread. A request whose trace is not sampled costs one flag read. The
 * spans carry the hop's own ids (the SDK's tracer, which makes ids of its own, is not used).
 * Thread-safe.
 */
public final class SpanExport implements RequestLog, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SpanExport.class);

  /** Spans waiting for the exporter before new ones are dropped. */
  static final int QUEUE_SIZE = 8192;

  /** Time one batch may take to reach the collector. */
  static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(10);

  /** Time the exporter is given to send the last spans when the node stops. */
  static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);

  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  private static final AttributeKey<String> SERVICE_VERSION =
      AttributeKey.stringKey("service.version");
  private static final AttributeKey<String> SERVICE_INSTANCE =
      AttributeKey.stringKey("service.instance.id");
  private static final String SCOPE = "dev.concierge.dataplane";

  private final TraceSampler sampler;
  private final Resource base;
  private final InstrumentationScopeInfo scope;
  private final ExportLosses losses = new ExportLosses();
  private final BatchSpanProcessor processor;
  // Set once the node id is known (it may name the bound port); read by each span at completion.
  private volatile Resource resource;

  /**
   * An export through the exporter {@code exporter} makes, given the meter provider it must count
   * its failures on; {@link #start} gives the OTLP one.
   *
   * @param version the node's version ({@code service.version})
   */
  SpanExport(
      OtlpSettings settings, Function<MeterProvider, SpanExporter> exporter, String version) {
    this.sampler = TraceSampler.ratio(settings.sampleRatio());
    this.base =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(SERVICE_NAME, settings.serviceName(), SERVICE_VERSION, version)));
    this.resource = base;
    this.scope = InstrumentationScopeInfo.builder(SCOPE).setVersion(version).build();
    // The SDK counts its own losses on these meters; the reader reads them at scrape time.
    SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(losses).build();
    this.processor =
        BatchSpanProcessor.builder(exporter.apply(meters))
            .setScheduleDelay(settings.exportDelay())
            .setMaxQueueSize(QUEUE_SIZE)
            .setMeterProvider(meters)
            .setInternalTelemetryVersion(InternalTelemetryVersion.LATEST)
            .build();
  }

  /**
   * Starts exporting to the OTLP/HTTP (protobuf) collector of {@code settings}.
   *
   * @param version the node's version ({@code service.version})
   */
  public static SpanExport start(OtlpSettings settings, String version) {
    SpanExport export =
        new SpanExport(
            settings,
            meters ->
                OtlpHttpSpanExporter.builder()
                    .setEndpoint(settings.tracesUrl())
                    .setTimeout(EXPORT_TIMEOUT)
                    .setMeterProvider(meters)
                    .setInternalTelemetryVersion(InternalTelemetryVersion.LATEST)
                    .build(),
            version);
    LOG.info(
        "exporting spans to {} (OTLP/HTTP), service {}, new traces sampled at {}",
        settings.tracesUrl(),
        settings.serviceName(),
        settings.sampleRatio());
    return export;
  }

  /** How new traces are sampled: parent-based, new roots at the configured ratio. */
  public TraceSampler sampler() {
    return sampler;
  }

  /** Names the node in the spans' resource ({@code service.instance.id}) from now on. */
  public void nodeId(String id) {
    resource = base.merge(Resource.create(Attributes.of(SERVICE_INSTANCE, id)));
  }

  @Override
  public void completed(RequestContext context, int status, long durationNanos) {
    TraceContext trace = context.trace();
    if (!trace.sampled()) {
      return;
    }
    processor.onEnd(HopSpan.of(context, trace, status, durationNanos, resource, scope));
  }

  /** Spans lost so far: dropped (queue full, or after close) or not accepted by the collector. */
  public long lost() {
    return losses.lost();
  }

  /**
   * Sends the spans still queued (waits up to 10 s), then stops the exporter. The meters stay
   * readable (they hold no thread): spans that come after are counted as lost.
   */
  @Override
  public void close() {
    processor.shutdown().join(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
