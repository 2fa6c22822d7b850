package dev.concierge.dataplane.trace.otlp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.util.Set;

/**
 * Reads, when asked (a scrape of the node's metrics), the spans the SDK lost: those its batch
 * processor dropped (queue full, or after shutdown) and those its exporter failed to send. Both
 * count them in OpenTelemetry's own SDK metrics ({@code otel.sdk.processor.span.processed} and
 * {@code otel.sdk.exporter.span.exported} with an {@code error.type}), which this reader collects
 * from the meter provider they were given. Thread-safe.
 */
final class ExportLosses implements MetricReader {
  static final Set<String> COUNTERS =
      Set.of("otel.sdk.processor.span.processed", "otel.sdk.exporter.span.exported");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private volatile CollectionRegistration registration = CollectionRegistration.noop();

  @Override
  public void register(CollectionRegistration collection) {
    this.registration = collection;
  }

  /** Spans dropped or not sent so far. */
  long lost() {
    long lost = 0;
    for (MetricData metric : registration.collectAllMetrics()) {
      if (metric.getType() != MetricDataType.LONG_SUM || !COUNTERS.contains(metric.getName())) {
        continue;
      }
      for (LongPointData point : metric.getLongSumData().getPoints()) {
        if (point.getAttributes().get(ERROR_TYPE) != null) {
          lost += point.getValue();
        }
      }
    }
    return lost;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType type) {
    return AggregationTemporality.CUMULATIVE;
  }

  @Override
  public CompletableResultCode forceFlush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
