package dev.concierge.dataplane.trace.otlp;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * Where and how the node exports its spans: an OTLP/HTTP (protobuf) collector, the service name its
 * spans carry, the ratio of new traces sampled (a continued trace keeps its caller's decision) and
 * how long spans wait to be sent in a batch. Immutable.
 *
 * @param endpoint the collector's base URL ({@code http://host:4318}, spans go to {@code
 *     /v1/traces}) or the full traces URL when it has a path
 * @param serviceName the {@code service.name} of the node's spans
 * @param sampleRatio the ratio of traces the node starts that are sampled, 0..1
 * @param exportDelay the longest a span waits before its batch is sent
 */
public record OtlpSettings(
    URI endpoint, String serviceName, double sampleRatio, Duration exportDelay) {
  /** The default {@code service.name}. */
  public static final String DEFAULT_SERVICE_NAME = "concierge-node";

  /** The default ratio of new traces sampled: all, as OpenTelemetry's default sampler. */
  public static final double DEFAULT_SAMPLE_RATIO = 1.0;

  /** The default longest wait of a span for its batch, as OpenTelemetry's batch processor. */
  public static final Duration DEFAULT_EXPORT_DELAY = Duration.ofSeconds(5);

  /** The path OTLP/HTTP collectors take spans on. */
  static final String TRACES_PATH = "/v1/traces";

  public OtlpSettings {
    requireNonNull(endpoint, "endpoint");
    requireNonNull(serviceName, "serviceName");
    requireNonNull(exportDelay, "exportDelay");
    String scheme = endpoint.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("OTLP endpoint must be an http or https URL: " + endpoint);
    }
    if (endpoint.getHost() == null) {
      throw new IllegalArgumentException("OTLP endpoint has no host: " + endpoint);
    }
    if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "OTLP endpoint must have no query or fragment: " + endpoint);
    }
    if (serviceName.isBlank()) {
      throw new IllegalArgumentException("service name must not be blank");
    }
    if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
      throw new IllegalArgumentException("sample ratio must be within 0..1: " + sampleRatio);
    }
    if (exportDelay.isNegative() || exportDelay.isZero()) {
      throw new IllegalArgumentException("export delay must be positive: " + exportDelay);
    }
  }

  /**
   * Export to {@code endpoint} with the default service name, sample ratio and export delay.
   *
   * @throws IllegalArgumentException when {@code endpoint} is no http(s) URL with a host
   */
  public static OtlpSettings of(String endpoint) {
    URI uri;
    try {
      uri = new URI(endpoint.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("OTLP endpoint is no URL: " + e.getMessage(), e);
    }
    return new OtlpSettings(uri, DEFAULT_SERVICE_NAME, DEFAULT_SAMPLE_RATIO, DEFAULT_EXPORT_DELAY);
  }

  /** These settings with {@code name} as the spans' {@code service.name}. */
  public OtlpSettings withServiceName(String name) {
    return new OtlpSettings(endpoint, name, sampleRatio, exportDelay);
  }

  /** These settings sampling {@code ratio} of the traces the node starts. */
  public OtlpSettings withSampleRatio(double ratio) {
    return new OtlpSettings(endpoint, serviceName, ratio, exportDelay);
  }

  /** These settings sending batches at least every {@code delay}. */
  public OtlpSettings withExportDelay(Duration delay) {
    return new OtlpSettings(endpoint, serviceName, sampleRatio, delay);
  }

  /** The URL spans are posted to: the endpoint's own path, else {@value #TRACES_PATH}. */
  public String tracesUrl() {
    String text = endpoint.toString();
    String path = endpoint.getRawPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      return (text.endsWith("/") ? text.substring(0, text.length() - 1) : text) + TRACES_PATH;
    }
    return text;
  }
}
