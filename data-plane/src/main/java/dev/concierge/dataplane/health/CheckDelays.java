package dev.concierge.dataplane.health;

import java.util.random.RandomGenerator;

/**
 * When checks run: the first check of an endpoint at a random point of its first interval (so a
 * thousand endpoints do not fire together), each next one a wait drawn from [interval x (1 -
 * jitter%), interval] after the previous one started. The wait never exceeds the interval, so
 * detection stays within interval x threshold. Thread-safe if its generator is.
 */
final class CheckDelays {
  private final RandomGenerator random;

  CheckDelays(RandomGenerator random) {
    this.random = random;
  }

  /** Nanoseconds from now to an endpoint's first check. */
  long first(HealthCheckPolicy policy) {
    return random.nextLong(policy.intervalNanos());
  }

  /** Nanoseconds from the start of a check to the start of the next. */
  long next(HealthCheckPolicy policy) {
    long spread = policy.intervalNanos() / 100 * policy.jitterPercent();
    return spread <= 0
        ? policy.intervalNanos()
        : policy.intervalNanos() - random.nextLong(spread + 1);
  }
}
