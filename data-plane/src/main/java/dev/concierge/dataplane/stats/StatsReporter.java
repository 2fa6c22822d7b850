package dev.concierge.dataplane.stats;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.NodeReportingGrpc;
import dev.concierge.api.v1.ReportSummary;
import dev.concierge.api.v1.ServedCertificateStatus;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the node's cumulative counters and its view of endpoint health on one {@code
 * NodeReporting.Report} stream every interval, and at once (within {@link #HEALTH_POLL}) when an
 * endpoint changes state. A broken stream is reopened quietly on the next tick: the counters are
 * cumulative and every report carries the whole health list, so a lost report loses nothing.
 * Thread-safe (all work runs on the scheduler).
 */
public final class StatsReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatsReporter.class);

  /** How often endpoint states are read for a change to report at once. */
  public static final Duration HEALTH_POLL = Duration.ofMillis(250);

  private final TrafficStats stats;
  private final String nodeId;
  private final Supplier<Channel> channel;
  private final ScheduledExecutorService scheduler;
  private final Duration interval;
  private final Clock clock;
  private final Timestamp startTime;
  private final com.google.protobuf.Duration reportInterval;
  private final @Nullable EndpointHealthLog health;
  private final Function<Instant, List<ServedCertificateStatus>> certificates;

  private final Object lock = new Object();
  // Guarded by lock.
  private final TrafficDeltas deltas;
  private @Nullable StreamObserver<NodeReport> stream;
  private @Nullable ScheduledFuture<?> task;
  private @Nullable ScheduledFuture<?> healthTask;
  private boolean closed;

  /**
   * @param channel the channel to the current control plane, asked at every (re)open
   * @param scheduler runs the reports; owned by the caller
   */
  public StatsReporter(
      TrafficStats stats,
      String nodeId,
      Supplier<Channel> channel,
      ScheduledExecutorService scheduler,
      Duration interval,
      Clock clock) {
    this(stats, nodeId, channel, scheduler, interval, clock, null, now -> List.of());
  }

  /**
   * @param channel the channel to the current control plane, asked at every (re)open
   * @param scheduler runs the reports; owned by the caller
   * @param health the endpoint states to report, or null for none
   * @param certificates the served certificates' expiry as of the given time
   */
  public StatsReporter(
      TrafficStats stats,
      String nodeId,
      Supplier<Channel> channel,
      ScheduledExecutorService scheduler,
      Duration interval,
      Clock clock,
      @Nullable EndpointHealthLog health,
      Function<Instant, List<ServedCertificateStatus>> certificates) {
    this.health = health;
    this.certificates = requireNonNull(certificates, "certificates");
    this.reportInterval = ProtoTime.duration(interval);
    this.stats = requireNonNull(stats, "stats");
    this.nodeId = requireNonNull(nodeId, "nodeId");
    this.channel = requireNonNull(channel, "channel");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.interval = requireNonNull(interval, "interval");
    this.clock = requireNonNull(clock, "clock");
    Instant started = clock.instant();
    this.startTime = timestamp(started);
    this.deltas = new TrafficDeltas(started);
  }

  /** Starts reporting every interval. */
  public void start() {
    long nanos = interval.toNanos();
    synchronized (lock) {
      task = scheduler.scheduleWithFixedDelay(this::report, nanos, nanos, TimeUnit.NANOSECONDS);
      if (health != null) {
        long poll = HEALTH_POLL.toNanos();
        healthTask =
            scheduler.scheduleWithFixedDelay(
                this::reportTransitions, poll, poll, TimeUnit.NANOSECONDS);
      }
    }
  }

  /** The cumulative part of the report that would be sent now (no delta): the admin /stats. */
  public NodeReport currentReport() {
    return cumulative(clock.instant()).build();
  }

  private NodeReport.Builder cumulative(Instant now) {
    NodeReport.Builder report =
        NodeReport.newBuilder()
            .setNodeId(nodeId)
            .setTime(timestamp(now))
            .setStartTime(startTime)
            .setReportInterval(reportInterval)
            .addAllRoutes(stats.routeCounters())
            .addAllClusters(stats.clusterCounters())
            .setUnrouted(stats.unroutedCounters())
            .addAllCertificates(certificates.apply(now));
    if (health != null) {
      // As of the last poll (at most HEALTH_POLL old): a refresh here would take a change from the
      // poll that reports it at once.
      synchronized (lock) {
        report.addAllEndpointHealth(health.current());
      }
    }
    return report;
  }

  /** Sends the next report on the open stream and moves the delta baseline on. */
  private void send(StreamObserver<NodeReport> to) {
    Instant now = clock.instant();
    NodeReport.Builder report = cumulative(now);
    TrafficDeltas.Pending delta =
        deltas.next(
            report.getRoutesList(), report.getClustersList(), report.getUnrouted(), List.of(), now);
    to.onNext(report.setDelta(delta.delta()).build());
    deltas.commit(delta);
  }

  /** Sends a report now if an endpoint changed state since the last look. */
  void reportTransitions() {
    boolean changed;
    synchronized (lock) {
      changed = health != null && health.refresh();
    }
    if (changed) {
      report();
    }
  }

  void report() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      try {
        if (stream == null) {
          stream = NodeReportingGrpc.newStub(channel.get()).report(new SummaryObserver());
        }
        send(stream);
      } catch (RuntimeException e) {
        LOG.debug("stats report failed; retrying next interval", e);
        stream = null;
      }
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (task != null) {
        task.cancel(false);
      }
      if (healthTask != null) {
        healthTask.cancel(false);
      }
      if (stream != null) {
        try {
          send(stream);
          stream.onCompleted();
        } catch (RuntimeException e) {
          LOG.debug("final stats report failed", e);
        }
        stream = null;
      }
    }
  }

  private static Timestamp timestamp(Instant instant) {
    return ProtoTime.timestamp(instant);
  }

  private final class SummaryObserver implements StreamObserver<ReportSummary> {
    @Override
    public void onNext(ReportSummary summary) {}

    @Override
    public void onError(Throwable t) {
      LOG.debug("stats stream ended: {}", t.toString());
      synchronized (lock) {
        stream = null;
      }
    }

    @Override
    public void onCompleted() {
      synchronized (lock) {
        stream = null;
      }
    }
  }
}
