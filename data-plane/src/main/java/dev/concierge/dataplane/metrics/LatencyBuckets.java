package dev.concierge.dataplane.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The classic buckets of the node's duration histograms, 0.5 ms to 10 s, computed at scrape time
 * from a meter's HdrHistogram in microseconds. A recorded value counts in the first bucket whose
 * bound is at least the lowest value of its HdrHistogram cell, so at 2 significant digits a bucket
 * may hold values up to about 1 % above its bound.
 */
final class LatencyBuckets {
  /** Upper bounds in seconds, +Inf last. */
  static final double[] BOUNDS = {
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    Double.POSITIVE_INFINITY
  };

  private static final long[] BOUNDS_MICROS = new long[BOUNDS.length - 1];

  static {
    for (int i = 0; i < BOUNDS_MICROS.length; i++) {
      BOUNDS_MICROS[i] = Math.round(BOUNDS[i] * 1_000_000);
    }
  }

  private LatencyBuckets() {}

  /** The per-bucket (not cumulative) counts of {@code micros}, whose total is its total count. */
  static ClassicHistogramBuckets of(Histogram micros) {
    long[] counts = new long[BOUNDS.length];
    for (HistogramIterationValue value : micros.recordedValues()) {
      long lowest = micros.lowestEquivalentValue(value.getValueIteratedTo());
      counts[bucketOf(lowest)] += value.getCountAtValueIteratedTo();
    }
    return ClassicHistogramBuckets.of(BOUNDS, counts);
  }

  private static int bucketOf(long micros) {
    for (int i = 0; i < BOUNDS_MICROS.length; i++) {
      if (micros <= BOUNDS_MICROS[i]) {
        return i;
      }
    }
    return BOUNDS_MICROS.length;
  }
}
