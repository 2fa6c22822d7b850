package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A cluster's compiled slow-start setting (Envoy's slow_start_config): for {@code window} after an
 * endpoint came back or joined, its weight is multiplied by max({@code minWeight}, (t / window) ^
 * (1 / {@code aggression})). {@link #NONE} (a zero window) is no slow start. Immutable.
 */
public record SlowStartPolicy(Duration window, double minWeight, double aggression) {
  /** No slow start: an endpoint takes its full share at once. */
  public static final SlowStartPolicy NONE = new SlowStartPolicy(Duration.ZERO, 1.0, 1.0);

  public SlowStartPolicy {
    requireNonNull(window, "window");
    if (window.isNegative()) {
      throw new IllegalArgumentException("window must not be negative: " + window);
    }
    if (!(minWeight > 0 && minWeight <= 1)) {
      throw new IllegalArgumentException("minWeight must be in (0, 1]: " + minWeight);
    }
    if (!(aggression > 0)) {
      throw new IllegalArgumentException("aggression must be above 0: " + aggression);
    }
  }

  /** Whether endpoints ramp at all. */
  public boolean enabled() {
    return !window.isZero();
  }
}
