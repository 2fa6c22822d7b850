package dev.concierge.dataplane.metrics;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.HealthState;
import dev.concierge.api.v1.ServedCertificateStatus;
import dev.concierge.dataplane.chain.MethodClass;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.EndpointMeter;
import dev.concierge.dataplane.config.ConfigUpdates;
import dev.concierge.dataplane.limits.Refusal;
import dev.concierge.dataplane.ratelimit.RateLimitPolicy;
import dev.concierge.dataplane.routing.CompiledRoute;
import dev.concierge.dataplane.stats.EndpointHealthLog;
import dev.concierge.dataplane.stats.TrafficMeter;
import dev.concierge.dataplane.stats.TrafficStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Turns the node's meters into Prometheus snapshots at scrape time: requests by route or cluster,
 * method and status class; request and upstream try durations as classic histograms; upstream
 * failures, retries and ejections per endpoint; endpoint health; downstream connections, requests
 * in flight, body bytes, TLS handshakes, configuration and certificates. Counters of a route or
 * cluster appear once they are non-zero for a method and status class; every other series appears
 * for everything the runtime in force has. Thread-safe; each scrape reads the meters afresh.
 */
final class NodeCollector implements MultiCollector {
  private static final String[] CODE_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  private static final HealthState[] STATES = {
    HealthState.HEALTHY,
    HealthState.UNHEALTHY,
    HealthState.EJECTED,
    HealthState.DRAINING,
    HealthState.UNKNOWN
  };
  private static final double NANOS_PER_SECOND = 1e9;

  private final MetricSources sources;

  NodeCollector(MetricSources sources) {
    this.sources = requireNonNull(sources, "sources");
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> out = new ArrayList<>();
    traffic(out);
    endpoints(out);
    node(out);
    rateLimits(out);
    return new MetricSnapshots(out);
  }

  /** Route and cluster meters, sorted by name; unrouted requests under route "". */
  private void traffic(List<MetricSnapshot> out) {
    TrafficStats stats = sources.stats();
    TreeMap<String, TrafficMeter> routes = new TreeMap<>();
    stats.forEachRoute(routes::put);
    routes.put("", stats.unrouted());
    TreeMap<String, TrafficMeter> clusters = new TreeMap<>();
    stats.forEachCluster(clusters::put);

    CounterSnapshot.Builder requests =
        counter("concierge_requests", "Requests answered, by route (\"\": none), method, status.");
    HistogramSnapshot.Builder durations =
        histogram(
            "concierge_request_duration_seconds",
            "Time from the start of handling to the end of the answer, by route.");
    CounterSnapshot.Builder received =
        counter("concierge_received_bytes", "Request body bytes read from clients, by route.");
    CounterSnapshot.Builder sent =
        counter("concierge_sent_bytes", "Response body bytes written to clients, by route.");
    routes.forEach(
        (route, meter) -> {
          answers(requests, meter, "route", route);
          durations.dataPoint(
              histogramPoint(
                  meter.latencies(), meter.latencySumNanos(), Labels.of("route", route)));
          received.dataPoint(point(meter.receivedBytes(), Labels.of("route", route)));
          sent.dataPoint(point(meter.sentBytes(), Labels.of("route", route)));
        });

    CounterSnapshot.Builder clusterRequests =
        counter(
            "concierge_cluster_requests",
            "Requests answered after going to a cluster, by cluster, method, status.");
    CounterSnapshot.Builder overflows =
        counter(
            "concierge_upstream_circuit_breaker_overflows",
            "Requests answered 503 and retries not made because a circuit-breaker limit was hit.");
    CounterSnapshot.Builder exhausted =
        counter(
            "concierge_upstream_retry_budget_exhausted",
            "Retries not made because the cluster's retry budget was used up.");
    clusters.forEach(
        (cluster, meter) -> {
          answers(clusterRequests, meter, "cluster", cluster);
          Labels labels = Labels.of("cluster", cluster);
          overflows.dataPoint(point(meter.breakerOverflows(), labels));
          exhausted.dataPoint(point(meter.retriesRefusedByBudget(), labels));
        });
    add(out, requests.build());
    add(out, clusterRequests.build());
    add(out, durations.build());
    add(out, received.build());
    add(out, sent.build());
    add(out, overflows.build());
    add(out, exhausted.build());
  }

  /** The non-zero cells of a meter's method × status class table. */
  private static void answers(
      CounterSnapshot.Builder family, TrafficMeter meter, String scope, String name) {
    for (MethodClass method : MethodClass.values()) {
      for (int c = 1; c <= CODE_CLASSES.length; c++) {
        long count = meter.answers(method, c);
        if (count > 0) {
          family.dataPoint(
              point(
                  count,
                  Labels.of(
                      scope, name, "method", method.name(), "code_class", CODE_CLASSES[c - 1])));
        }
      }
    }
  }

  /** Every endpoint of the runtime in force, once per cluster and address. */
  private void endpoints(List<MetricSnapshot> out) {
    HistogramSnapshot.Builder durations =
        histogram(
            "concierge_upstream_request_duration_seconds",
            "Duration of each upstream try, by cluster and endpoint.");
    CounterSnapshot.Builder connectFailures =
        counter(
            "concierge_upstream_connect_failures",
            "Upstream tries that could not connect (refused, connect timeout, TLS, unresolved).");
    CounterSnapshot.Builder resets =
        counter(
            "concierge_upstream_resets",
            "Upstream tries whose connection was reset before any response byte.");
    CounterSnapshot.Builder timeouts =
        counter("concierge_upstream_timeouts", "Upstream tries with no response head in time.");
    CounterSnapshot.Builder retries =
        counter("concierge_upstream_retries", "Retries, by the endpoint the retry went to.");
    CounterSnapshot.Builder ejections =
        counter("concierge_endpoint_ejections", "Times outlier detection ejected the endpoint.");
    GaugeSnapshot.Builder health =
        gauge(
            "concierge_endpoint_health",
            "1 for the endpoint's state (healthy unhealthy ejected draining unknown), else 0.");
    new TreeMap<>(sources.clusters().get())
        .forEach(
            (cluster, compiled) -> {
              Set<String> seen = new HashSet<>();
              for (Endpoint endpoint : sorted(compiled)) {
                String address = endpoint.address();
                if (!seen.add(address)) {
                  continue;
                }
                EndpointMeter meter = endpoint.state().meter();
                Labels labels = Labels.of("cluster", cluster, "endpoint", address);
                durations.dataPoint(
                    histogramPoint(meter.durations(), meter.durationSumNanos(), labels));
                connectFailures.dataPoint(point(meter.connectFailures(), labels));
                resets.dataPoint(point(meter.resets(), labels));
                timeouts.dataPoint(point(meter.timeouts(), labels));
                retries.dataPoint(point(meter.retries(), labels));
                ejections.dataPoint(point(meter.ejections(), labels));
                HealthState state = EndpointHealthLog.stateOf(endpoint);
                for (HealthState each : STATES) {
                  health.dataPoint(
                      gaugePoint(
                          each == state ? 1 : 0,
                          labels.add("state", each.name().toLowerCase(Locale.ROOT))));
                }
              }
            });
    add(out, durations.build());
    add(out, connectFailures.build());
    add(out, resets.build());
    add(out, timeouts.build());
    add(out, retries.build());
    add(out, health.build());
    add(out, ejections.build());
  }

  private static List<Endpoint> sorted(CompiledCluster cluster) {
    List<Endpoint> endpoints = new ArrayList<>(cluster.endpoints());
    endpoints.sort((a, b) -> a.address().compareTo(b.address()));
    return endpoints;
  }

  /** Connections, requests in flight, TLS, configuration and certificates. */
  private void node(List<MetricSnapshot> out) {
    GaugeSnapshot.Builder open =
        gauge("concierge_downstream_connections", "Client connections open now, by listener.");
    CounterSnapshot.Builder accepted =
        counter(
            // Not concierge_downstream_connections(_total): OpenMetrics names a counter's family
            // without _total, which would be the gauge's name, and two families may not share one.
            "concierge_downstream_connections_accepted",
            "Client connections accepted, by listener.");
    CounterSnapshot.Builder connectionsRefused =
        counter(
            "concierge_downstream_connections_refused",
            "Client connections closed at accept by the connection limits, by listener and reason"
                + " (per_address, per_node).");
    CounterSnapshot.Builder requestsRefused =
        counter(
            "concierge_requests_refused",
            "Requests answered 431 or 414 for their head before any route, by listener and reason"
                + " (header_count, header_bytes, uri_length).");
    for (ListenerConnections listener : sources.listeners().get()) {
      Labels labels = Labels.of("listener", listener.listener());
      open.dataPoint(gaugePoint((double) listener.open(), labels));
      accepted.dataPoint(point(listener.accepted(), labels));
      for (Refusal why : Refusal.values()) {
        (why.ofConnection() ? connectionsRefused : requestsRefused)
            .dataPoint(point(listener.refused(why), labels.add("reason", why.label())));
      }
    }
    add(out, open.build());
    add(out, accepted.build());
    add(out, connectionsRefused.build());
    add(out, requestsRefused.build());
    add(
        out,
        gauge("concierge_requests_in_flight", "Requests being handled now.")
            .dataPoint(gaugePoint((double) sources.stats().inFlight(), Labels.EMPTY))
            .build());
    add(
        out,
        counter("concierge_tls_handshakes", "TLS handshakes with clients, completed or failed.")
            .dataPoint(point(sources.handshakes().total(), Labels.EMPTY))
            .build());
    add(
        out,
        counter("concierge_tls_handshake_failures", "TLS handshakes with clients that failed.")
            .dataPoint(point(sources.handshakes().failures(), Labels.EMPTY))
            .build());
    add(
        out,
        counter(
                "concierge_access_log_dropped",
                "Access-log lines dropped because the writer fell behind.")
            .dataPoint(point(sources.accessLogDropped().getAsLong(), Labels.EMPTY))
            .build());
    add(
        out,
        counter(
                "concierge_trace_spans_dropped",
                "Spans of the proxy hop the OTLP export lost: its queue was full, or the collector"
                    + " did not take them.")
            .dataPoint(point(sources.traceSpansDropped().getAsLong(), Labels.EMPTY))
            .build());

    ConfigUpdates updates = sources.updates();
    add(
        out,
        gauge("concierge_config_revision", "Revision of the configuration in force (-1: none).")
            .dataPoint(gaugePoint((double) sources.revision().getAsLong(), Labels.EMPTY))
            .build());
    long lastApplied = updates.lastAppliedMillis();
    if (lastApplied >= 0) {
      add(
          out,
          gauge(
                  "concierge_config_last_apply_timestamp_seconds",
                  "When the configuration in force was applied, in seconds since the epoch.")
              .unit(Unit.SECONDS)
              .dataPoint(gaugePoint(lastApplied / 1000.0, Labels.EMPTY))
              .build());
    }
    add(
        out,
        counter(
                "concierge_config_updates",
                "Configurations received, by result (applied, rejected: NACKed).")
            .dataPoint(point(updates.appliedCount(), Labels.of("result", "applied")))
            .dataPoint(point(updates.rejectedCount(), Labels.of("result", "rejected")))
            .build());

    Instant now = sources.clock().instant();
    GaugeSnapshot.Builder daysLeft =
        gauge(
            "concierge_certificate_days_left",
            "Whole days until the served certificate expires (negative: expired).");
    GaugeSnapshot.Builder notAfter =
        gauge(
            "concierge_certificate_not_after_timestamp_seconds",
            "When the served certificate expires, in seconds since the epoch.");
    notAfter.unit(Unit.SECONDS);
    for (ServedCertificateStatus certificate : sources.certificates().apply(now)) {
      Labels labels = Labels.of("certificate", certificate.getCertificate());
      daysLeft.dataPoint(gaugePoint((double) certificate.getDaysLeft(), labels));
      notAfter.dataPoint(
          gaugePoint(
              (double) ProtoTime.instant(certificate.getNotAfter()).getEpochSecond(), labels));
    }
    add(out, daysLeft.build());
    add(out, notAfter.build());
  }

  /**
   * The refusals of each rate limit on each route of the runtime in force, and the global limits'
   * store errors.
   */
  private void rateLimits(List<MetricSnapshot> out) {
    CounterSnapshot.Builder limited =
        counter(
            "concierge_rate_limited",
            "Requests a rate limit refused with 429 (dry_run=\"true\": would have refused), by"
                + " route and policy.");
    TreeMap<String, RateLimitPolicy> routes = new TreeMap<>();
    for (CompiledRoute route : sources.routes().get().routes()) {
      RateLimitPolicy policy = route.policies().get(RateLimitPolicy.KEY);
      if (!policy.isNone()) {
        routes.put(route.name(), policy);
      }
    }
    routes.forEach(
        (route, policy) ->
            policy.forEachRefused(
                (rule, count) ->
                    limited.dataPoint(
                        point(
                            count,
                            Labels.of(
                                "route",
                                route,
                                "policy",
                                rule.policy(),
                                "dry_run",
                                Boolean.toString(rule.dryRun()))))));
    add(out, limited.build());
    add(
        out,
        counter(
                "concierge_rate_limit_store_errors",
                "Global rate-limit decisions the shared store (Redis) could not make in time:"
                    + " unreachable, slow, or not configured (--redis); on_store_error decided.")
            .dataPoint(point(sources.rateLimitStoreErrors().getAsLong(), Labels.EMPTY))
            .build());
  }

  /** Adds a family that has samples: an empty one would only be a HELP and TYPE line. */
  private static void add(List<MetricSnapshot> out, MetricSnapshot snapshot) {
    if (!snapshot.getDataPoints().isEmpty()) {
      out.add(snapshot);
    }
  }

  /** A counter family; the exposition adds "_total" to {@code name}. */
  private static CounterSnapshot.Builder counter(String name, String help) {
    return CounterSnapshot.builder().name(name).help(help);
  }

  private static GaugeSnapshot.Builder gauge(String name, String help) {
    return GaugeSnapshot.builder().name(name).help(help);
  }

  private static HistogramSnapshot.Builder histogram(String name, String help) {
    return HistogramSnapshot.builder().name(name).help(help).unit(Unit.SECONDS);
  }

  private static CounterDataPointSnapshot point(long value, Labels labels) {
    return CounterDataPointSnapshot.builder().value((double) value).labels(labels).build();
  }

  private static GaugeDataPointSnapshot gaugePoint(double value, Labels labels) {
    return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
  }

  private static HistogramDataPointSnapshot histogramPoint(
      Histogram micros, long sumNanos, Labels labels) {
    return HistogramDataPointSnapshot.builder()
        .classicHistogramBuckets(LatencyBuckets.of(micros))
        .sum(sumNanos / NANOS_PER_SECOND)
        .labels(labels)
        .build();
  }
}
