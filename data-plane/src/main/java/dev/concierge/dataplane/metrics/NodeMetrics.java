package dev.concierge.dataplane.metrics;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The node's metrics registry (its own, not the library's global one, so that several nodes in one
 * JVM stay apart): the node's meters through {@link NodeCollector} and the JVM's (memory, GC,
 * threads, ...). {@link #scrape} writes them in the format the scraper asks for. Thread-safe.
 */
public final class NodeMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ExpositionFormatWriter openMetrics = OpenMetricsTextFormatWriter.create();
  private final ExpositionFormatWriter text = PrometheusTextFormatWriter.create();

  /** Metrics read from {@code sources}, plus the JVM's. */
  public NodeMetrics(MetricSources sources) {
    registry.register(new NodeCollector(sources));
    JvmMetrics.builder().register(registry);
  }

  /** One scrape's answer: its content type and body. */
  public record Exposition(String contentType, String body) {}

  /**
   * Everything, in OpenMetrics 1.0 when {@code accept} (the scraper's Accept header) asks for
   * {@code application/openmetrics-text}, else in the Prometheus text format 0.0.4.
   */
  public Exposition scrape(@Nullable String accept) {
    ExpositionFormatWriter writer =
        accept != null && openMetrics.accepts(accept) ? openMetrics : text;
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return new Exposition(writer.getContentType(), out.toString(StandardCharsets.UTF_8));
  }
}
