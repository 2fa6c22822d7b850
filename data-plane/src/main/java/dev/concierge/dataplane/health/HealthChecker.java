package dev.concierge.dataplane.health;

import dev.concierge.api.v1.Cluster;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.UpstreamProtocol;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the active health checks of the runtime in force, one schedule per endpoint of each cluster
 * that has a check, for the node's lifetime. {@link #update} re-plans on each config swap: an
 * endpoint whose cluster keeps the same check keeps its schedule and counts; a changed check starts
 * over (keeping the verdict, which lives in the endpoint's node-lifetime state); an endpoint no
 * longer checked is made healthy again, since nothing would ever clear its verdict. Clusters
 * without a check cost nothing: no task, no connection.
 *
 * <p>Checks start on one timer thread, never wait on I/O (the probers are asynchronous), and each
 * endpoint has at most one check in flight: the next is planned when the previous one ends.
 * Thread-safe.
 */
public final class HealthChecker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

  private final CheckTimer timer;
  private final Prober http;
  private final Prober tcp;
  private final CheckDelays delays;
  private final LongSupplier nanoClock;
  private final Runnable resources;
  // Guarded by this: the schedules in force, by cluster name and endpoint address.
  private Map<String, Target> targets = new HashMap<>();
  private boolean closed;

  HealthChecker(
      CheckTimer timer,
      Prober http,
      Prober tcp,
      RandomGenerator random,
      LongSupplier nanoClock,
      Runnable resources) {
    this.timer = timer;
    this.http = http;
    this.tcp = tcp;
    this.delays = new CheckDelays(random);
    this.nanoClock = nanoClock;
    this.resources = resources;
  }

  /**
   * A checker with its own timer thread, HTTP/1.1 selector thread and h2c client, on the system
   * clock.
   */
  public static HealthChecker start() throws Exception {
    TimerThread thread = TimerThread.start("concierge-health");
    CheckTimer timer = thread.timer();
    HttpProber h2c = HttpProber.start();
    Http1Prober http1 = Http1Prober.start();
    TlsProber tls = TlsProber.start();
    // HTTP1 clusters' HTTP checks take the cheap NIO path; h2c and gRPC checks stay on Jetty; the
    // HTTP checks of clusters that speak TLS go over TLS, a connection each.
    Prober http =
        (endpoint, policy, done) -> {
          if (policy.tls() != null && policy.grpc() == null) {
            tls.probe(endpoint, policy, done);
          } else {
            (policy.grpc() == null && !policy.h2c() ? http1 : h2c).probe(endpoint, policy, done);
          }
        };
    return new HealthChecker(
        timer,
        http,
        new TcpProber(timer),
        new java.util.SplittableRandom(),
        System::nanoTime,
        () -> {
          thread.shutdown().run();
          http1.close();
          h2c.close();
          tls.close();
        });
  }

  /** Re-plans the checks for {@code runtime}'s clusters, now in force. */
  public synchronized void update(dev.concierge.dataplane.runtime.Runtime runtime) {
    if (closed) {
      return;
    }
    Map<String, Target> next = new HashMap<>();
    for (Cluster cluster : runtime.snapshot().getClustersList()) {
      CompiledCluster compiled = runtime.clusters().get(cluster.getName());
      if (!cluster.hasHealthCheck() || compiled == null) {
        continue;
      }
      HealthCheckPolicy policy =
          HealthCheckPolicy.of(
              cluster.getHealthCheck(),
              compiled.protocol() == UpstreamProtocol.HTTP2,
              compiled.tls());
      for (Endpoint endpoint : compiled.endpoints()) {
        String key = cluster.getName() + " " + endpoint.address();
        Target old = targets.remove(key);
        if (old != null && old.policy.equals(policy) && old.verdict.state() == endpoint.state()) {
          next.put(key, old);
          continue;
        }
        if (old != null) {
          old.cancel();
        }
        Target target =
            new Target(cluster.getName(), endpoint, policy, new HealthVerdict(endpoint.state()));
        next.put(key, target);
        endpoint.state().checksStarted();
        target.plan(delays.first(policy));
      }
    }
    // What is left is no longer checked: its verdict would otherwise stick for good.
    targets.values().forEach(Target::forget);
    targets = next;
  }

  /** The number of endpoints checked (tests, admin). */
  public synchronized int checkedEndpoints() {
    return targets.size();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    targets.values().forEach(Target::cancel);
    targets = Map.of();
    resources.run();
  }

  /** The schedule of one endpoint of one cluster. */
  private final class Target {
    private final String cluster;
    private final Endpoint endpoint;
    private final HealthCheckPolicy policy;
    private final HealthVerdict verdict;
    // Guarded by this target: whether it was taken out of service, and its next run.
    private boolean cancelled;
    private CheckTimer.Scheduled scheduled = () -> {};
    private long startedNanos;

    Target(String cluster, Endpoint endpoint, HealthCheckPolicy policy, HealthVerdict verdict) {
      this.cluster = cluster;
      this.endpoint = endpoint;
      this.policy = policy;
      this.verdict = verdict;
    }

    synchronized void plan(long delayNanos) {
      if (!cancelled) {
        scheduled = timer.schedule(this::run, delayNanos);
      }
    }

    private void run() {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        startedNanos = nanoClock.getAsLong();
      }
      try {
        (policy.http() != null || policy.grpc() != null ? http : tcp)
            .probe(endpoint, policy, this::ended);
      } catch (RuntimeException e) {
        LOG.warn("health check of {} of cluster {} could not start", endpoint, cluster, e);
        ended(Prober.describe(e));
      }
    }

    private void ended(@Nullable String failure) {
      long wait;
      synchronized (this) {
        if (cancelled) {
          return; // another target, or none, now owns the verdict
        }
        HealthVerdict.Change change = verdict.record(failure == null, policy);
        // Once per transition, never per check: a fleet of endpoints must not flood the log.
        if (change == HealthVerdict.Change.BECAME_UNHEALTHY) {
          LOG.info(
              "endpoint {} of cluster {} is unhealthy: {} failed checks in a row, last: {}",
              endpoint,
              cluster,
              policy.unhealthyThreshold(),
              failure);
        } else if (change == HealthVerdict.Change.BECAME_HEALTHY) {
          LOG.info(
              "endpoint {} of cluster {} is healthy: {} passed checks in a row",
              endpoint,
              cluster,
              policy.healthyThreshold());
        }
        wait = startedNanos + delays.next(policy) - nanoClock.getAsLong();
      }
      plan(Math.max(0, wait));
    }

    synchronized void cancel() {
      cancelled = true;
      scheduled.cancel();
    }

    void forget() {
      cancel();
      verdict.state().checksStopped();
      if (!verdict.state().isHealthy()) {
        LOG.info("endpoint {} of cluster {} is healthy: no longer checked", endpoint, cluster);
        verdict.state().setHealthy(true);
      }
    }
  }
}
