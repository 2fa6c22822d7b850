package dev.concierge.dataplane.metrics;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ServedCertificateStatus;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.config.ConfigUpdates;
import dev.concierge.dataplane.routing.RouteTable;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.tls.HandshakeMeter;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Where the node's metrics are read from at scrape time; nothing here is read on the request path.
 *
 * @param stats the route, cluster and unrouted meters, and requests in flight
 * @param clusters the clusters of the runtime in force by name (their endpoints carry the
 *     per-endpoint meters and health)
 * @param listeners the proxy listeners' connections
 * @param handshakes the HTTPS listener's TLS handshakes (a meter of its own when there is none)
 * @param revision the revision in force, -1 before the first configuration
 * @param updates configurations applied and rejected
 * @param certificates the served certificates' expiry as of the given time
 * @param clock the time certificates' days left are counted from
 * @param accessLogDropped access-log lines dropped because the writer fell behind (0 with no log)
 * @param traceSpansDropped spans the OTLP export lost: queue full or not accepted (0 with none)
 * @param routes the routes of the runtime in force (their rate limits carry refusal counters)
 * @param rateLimitStoreErrors global rate-limit decisions the shared store could not make
 */
public record MetricSources(
    TrafficStats stats,
    Supplier<Map<String, CompiledCluster>> clusters,
    Supplier<List<ListenerConnections>> listeners,
    HandshakeMeter handshakes,
    LongSupplier revision,
    ConfigUpdates updates,
    Function<Instant, List<ServedCertificateStatus>> certificates,
    InstantSource clock,
    LongSupplier accessLogDropped,
    LongSupplier traceSpansDropped,
    Supplier<RouteTable> routes,
    LongSupplier rateLimitStoreErrors) {
  public MetricSources {
    requireNonNull(stats, "stats");
    requireNonNull(clusters, "clusters");
    requireNonNull(listeners, "listeners");
    requireNonNull(handshakes, "handshakes");
    requireNonNull(revision, "revision");
    requireNonNull(updates, "updates");
    requireNonNull(certificates, "certificates");
    requireNonNull(clock, "clock");
    requireNonNull(accessLogDropped, "accessLogDropped");
    requireNonNull(traceSpansDropped, "traceSpansDropped");
    requireNonNull(routes, "routes");
    requireNonNull(rateLimitStoreErrors, "rateLimitStoreErrors");
  }
}
