package dev.concierge.dataplane.cluster;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive outlier detection of one compiled cluster: how each try ended feeds its endpoint's
 * streaks ({@link EndpointState}), and a streak that reaches its rule's count ejects the endpoint;
 * {@link #sweep} applies the success-rate and failure-percentage rules to the last interval's
 * counts. The counts live in the node-lifetime endpoint states, so they survive config swaps; this
 * holds only the rules and the endpoints they judge.
 *
 * <p>Outcomes map as in Envoy with split_external_local_origin_errors off: a connection failure
 * counts as a 5xx and a gateway failure too, a timeout or malformed answer as a 5xx and a gateway
 * failure (504 / 502), a status answer by its code. Only the thread that brings a streak to its
 * count tries the ejection; ejections of one cluster are decided one at a time under its {@link
 * ClusterState} (rare: the request path takes no lock otherwise), so that the cap on the share
 * ejected ({@link OutlierPolicy#maxEjectionPercent}, at least one endpoint) holds. Thread-safe.
 */
public final class OutlierDetector {
  private static final Logger LOG = LoggerFactory.getLogger(OutlierDetector.class);

  private final String cluster;
  private final OutlierPolicy policy;
  private final Endpoint[] endpoints;
  private final Object ejectionLock;
  private final boolean counts;

  /**
   * @param endpoints every endpoint of the cluster (draining ones too: the cap is on the cluster)
   * @param ejectionLock the cluster's node-lifetime state, shared by every runtime's detector
   */
  public OutlierDetector(
      String cluster, OutlierPolicy policy, List<Endpoint> endpoints, Object ejectionLock) {
    this.cluster = cluster;
    this.policy = policy;
    this.endpoints = endpoints.toArray(Endpoint[]::new);
    this.ejectionLock = ejectionLock;
    this.counts = policy.sweeps();
  }

  /** The rules. */
  public OutlierPolicy policy() {
    return policy;
  }

  /** An answer with {@code status} came from {@code endpoint} (relayed, or dropped for a retry). */
  public void answered(Endpoint endpoint, int status) {
    EndpointState state = endpoint.state();
    boolean failed = status >= 500;
    if (counts) {
      state.countTry(failed);
    }
    if (!failed || !policy.watchesStatuses()) {
      state.recordOutcome(0, 0); // an answer: every streak restarts
      return;
    }
    boolean gateway = status == 502 || status == 503 || status == 504;
    int increment = gateway ? EndpointState.FIVE_XX | EndpointState.GATEWAY : EndpointState.FIVE_XX;
    judge(endpoint, state.recordOutcome(increment, 0), increment);
  }

  /**
   * A try could not connect (refused, connect timeout, reset before any response byte on a fresh
   * connection, no address): a connection failure, and a 5xx and gateway failure too.
   */
  public void connectFailed(Endpoint endpoint) {
    EndpointState state = endpoint.state();
    if (counts) {
      state.countTry(true);
    }
    int increment = EndpointState.FIVE_XX | EndpointState.GATEWAY | EndpointState.CONNECT;
    judge(endpoint, state.recordOutcome(increment, 0), increment);
  }

  /**
   * A try got no (usable) answer after its request went out: timed out, or a malformed or cut
   * response head. A 5xx and a gateway failure; the connection streak stands.
   */
  public void gatewayFailed(Endpoint endpoint) {
    EndpointState state = endpoint.state();
    if (counts) {
      state.countTry(true);
    }
    if (!policy.watchesStatuses()) {
      return;
    }
    int increment = EndpointState.FIVE_XX | EndpointState.GATEWAY;
    judge(endpoint, state.recordOutcome(increment, EndpointState.CONNECT), increment);
  }

  private void judge(Endpoint endpoint, long streaks, int grown) {
    if ((grown & EndpointState.CONNECT) != 0) {
      reached(
          endpoint,
          streaks,
          EndpointState.CONNECT,
          policy.consecutiveConnectFailure(),
          "connection failures");
    }
    if ((grown & EndpointState.GATEWAY) != 0) {
      reached(
          endpoint,
          streaks,
          EndpointState.GATEWAY,
          policy.consecutiveGatewayFailure(),
          "gateway failures");
    }
    reached(endpoint, streaks, EndpointState.FIVE_XX, policy.consecutive5xx(), "5xx");
  }

  private void reached(Endpoint endpoint, long streaks, int mask, int count, String what) {
    // Only the thread whose outcome made the streak exactly the count acts, and restarts it (as
    // Envoy does, ejected or not), so a capped ejection is tried again after another full count.
    if (count > 0
        && EndpointState.streak(streaks, mask) == count
        && endpoint.state().resetStreak(mask, count)) {
      eject(endpoint, count + " " + what + " in a row");
    }
  }

  /**
   * Applies the success-rate and failure-percentage rules to the tries each endpoint counted since
   * the last sweep. Run every {@link OutlierPolicy#intervalNanos} by the node's outlier sweeper.
   */
  public void sweep() {
    int n = endpoints.length;
    long[] tries = new long[n];
    long[] failures = new long[n];
    for (int i = 0; i < n; i++) {
      long taken = endpoints[i].state().takeInterval();
      tries[i] = taken >>> 32;
      failures[i] = taken & 0xffffffffL;
    }
    if (policy.successRateMinimumHosts() > 0) {
      sweepSuccessRate(tries, failures);
    }
    if (policy.failureThresholdPercent() > 0) {
      sweepFailurePercentage(tries, failures);
    }
  }

  private void sweepSuccessRate(long[] tries, long[] failures) {
    int volume = policy.successRateRequestVolume();
    int hosts = 0;
    double sum = 0;
    for (int i = 0; i < tries.length; i++) {
      if (tries[i] >= volume) {
        hosts++;
        sum += rate(tries[i], failures[i]);
      }
    }
    if (hosts < policy.successRateMinimumHosts()) {
      return;
    }
    double mean = sum / hosts;
    double squares = 0;
    for (int i = 0; i < tries.length; i++) {
      if (tries[i] >= volume) {
        double d = rate(tries[i], failures[i]) - mean;
        squares += d * d;
      }
    }
    double stdev = Math.sqrt(squares / hosts);
    double threshold = mean - policy.stdevFactorThousandths() / 1000.0 * stdev;
    for (int i = 0; i < tries.length; i++) {
      if (tries[i] >= volume && rate(tries[i], failures[i]) < threshold) {
        eject(
            endpoints[i],
            String.format(
                java.util.Locale.ROOT,
                "success rate %.1f%% below the cluster's threshold %.1f%% (mean %.1f%%)",
                rate(tries[i], failures[i]),
                threshold,
                mean));
      }
    }
  }

  private void sweepFailurePercentage(long[] tries, long[] failures) {
    int volume = policy.failureRequestVolume();
    int hosts = 0;
    for (long t : tries) {
      if (t >= volume) {
        hosts++;
      }
    }
    if (hosts < policy.failureMinimumHosts()) {
      return;
    }
    for (int i = 0; i < tries.length; i++) {
      if (tries[i] >= volume
          && failures[i] * 100 >= (long) policy.failureThresholdPercent() * tries[i]) {
        eject(endpoints[i], failures[i] * 100 / tries[i] + "% of " + tries[i] + " tries failed");
      }
    }
  }

  private static double rate(long tries, long failures) {
    return 100.0 * (tries - failures) / tries;
  }

  /** Ejects {@code endpoint} unless it is ejected already or the cap forbids; whether it did. */
  boolean eject(Endpoint endpoint, String reason) {
    EndpointState state = endpoint.state();
    long length;
    synchronized (ejectionLock) {
      if (state.isEjected()) {
        return false;
      }
      int ejected = 0;
      for (Endpoint e : endpoints) {
        if (e.state().isEjected()) {
          ejected++;
        }
      }
      // One may always be ejected; more only within the share (Envoy's max_ejection_percent).
      if (ejected > 0
          && (ejected + 1) * 100L > (long) policy.maxEjectionPercent() * endpoints.length) {
        LOG.info(
            "cluster {} endpoint {} not ejected ({}): {} of {} ejected already, the most is {}%",
            cluster,
            endpoint.address(),
            reason,
            ejected,
            endpoints.length,
            policy.maxEjectionPercent());
        return false;
      }
      long now = state.now();
      long longest = policy.longestEjectionNanos();
      int most = (int) Math.min(Integer.MAX_VALUE - 1, longest / policy.baseEjectionNanos() + 1);
      int multiplier = state.nextEjectionMultiplier(now, policy.intervalNanos(), most);
      length = Math.min(longest, policy.baseEjectionNanos() * multiplier);
      state.ejectUntil(now + length);
    }
    LOG.warn(
        "cluster {} endpoint {} ejected for {} ms: {}",
        cluster,
        endpoint.address(),
        TimeUnit.NANOSECONDS.toMillis(length),
        reason);
    return true;
  }
}
