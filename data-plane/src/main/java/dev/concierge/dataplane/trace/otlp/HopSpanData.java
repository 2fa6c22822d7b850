package dev.concierge.dataplane.trace.otlp;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.List;

/**
 * A proxy hop's span as the exporter sends it: a SERVER span with the hop's own ids, explicit start
 * and end times, no events or links. Immutable.
 *
 * @param name e.g. "GET routes/api"
 * @param spanContext the hop's trace id and span id (the backend's parent id), sampled
 * @param parentSpanContext the caller's span, or the invalid context for a trace the hop started
 * @param status error for a 5xx answer, else unset
 * @param startEpochNanos when the hop started
 * @param endEpochNanos when the hop completed
 * @param attributes OpenTelemetry's HTTP server attributes and the node's own
 * @param resource the node: service name, instance id
 * @param scope the node's instrumentation scope
 */
record HopSpanData(
    String name,
    SpanContext spanContext,
    SpanContext parentSpanContext,
    StatusData status,
    long startEpochNanos,
    long endEpochNanos,
    Attributes attributes,
    Resource resource,
    InstrumentationScopeInfo scope)
    implements SpanData {
  HopSpanData {
    requireNonNull(name, "name");
    requireNonNull(spanContext, "spanContext");
    requireNonNull(parentSpanContext, "parentSpanContext");
    requireNonNull(status, "status");
    requireNonNull(attributes, "attributes");
    requireNonNull(resource, "resource");
    requireNonNull(scope, "scope");
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public SpanKind getKind() {
    return SpanKind.SERVER;
  }

  @Override
  public SpanContext getSpanContext() {
    return spanContext;
  }

  @Override
  public SpanContext getParentSpanContext() {
    return parentSpanContext;
  }

  @Override
  public StatusData getStatus() {
    return status;
  }

  @Override
  public long getStartEpochNanos() {
    return startEpochNanos;
  }

  @Override
  public Attributes getAttributes() {
    return attributes;
  }

  @Override
  public List<EventData> getEvents() {
    return List.of();
  }

  @Override
  public List<LinkData> getLinks() {
    return List.of();
  }

  @Override
  public long getEndEpochNanos() {
    return endEpochNanos;
  }

  @Override
  public boolean hasEnded() {
    return true;
  }

  @Override
  public int getTotalRecordedEvents() {
    return 0;
  }

  @Override
  public int getTotalRecordedLinks() {
    return 0;
  }

  @Override
  public int getTotalAttributeCount() {
    return attributes.size();
  }

  @Override
  @Deprecated
  public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
    return libraryInfo(scope);
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return scope;
  }

  @Override
  public Resource getResource() {
    return resource;
  }

  /** The SDK's deprecated view of {@code scope}, which its interfaces still require. */
  @Deprecated
  static InstrumentationLibraryInfo libraryInfo(InstrumentationScopeInfo scope) {
    return InstrumentationLibraryInfo.create(scope.getName(), scope.getVersion());
  }
}
