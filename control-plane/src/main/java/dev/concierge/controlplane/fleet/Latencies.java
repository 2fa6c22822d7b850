package dev.concierge.controlplane.fleet;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Compressed HdrHistograms (V2, microseconds) as the nodes send them: decode, add, encode. */
final class Latencies {
  private static final Logger log = LoggerFactory.getLogger(Latencies.class);
  private static final byte[] EMPTY = new byte[0];

  private Latencies() {}

  /** The histogram, or null when empty or unreadable (then left out, with a debug line). */
  static @Nullable Histogram decode(byte[] compressed) {
    if (compressed.length == 0) {
      return null;
    }
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(compressed), 0);
    } catch (DataFormatException | RuntimeException e) {
      log.debug("unreadable latency histogram left out: {}", e.toString());
      return null;
    }
  }

  /** Adds {@code compressed} into {@code into}, made on first use; returns {@code into}. */
  static @Nullable Histogram add(@Nullable Histogram into, byte[] compressed) {
    Histogram h = decode(compressed);
    if (h == null) {
      return into;
    }
    return add(into, h);
  }

  /** Adds {@code h} into {@code into}, made on first use; returns {@code into}. */
  static Histogram add(@Nullable Histogram into, Histogram h) {
    if (into == null) {
      Histogram copy = h.copy();
      copy.setAutoResize(true);
      return copy;
    }
    into.add(h);
    return into;
  }

  /** The sum of two compressed histograms, compressed. */
  static byte[] sum(byte[] a, byte[] b) {
    if (b.length == 0) {
      return a;
    }
    if (a.length == 0) {
      return b;
    }
    Histogram sum = add(add(null, a), b);
    return sum == null ? EMPTY : encode(sum);
  }

  static byte[] encode(Histogram h) {
    ByteBuffer encoded = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int length = h.encodeIntoCompressedByteBuffer(encoded);
    byte[] out = new byte[length];
    System.arraycopy(encoded.array(), 0, out, 0, length);
    return out;
  }

  /** The value at {@code percentile}, 0 for no histogram or no samples. */
  static long at(@Nullable Histogram h, double percentile) {
    return h == null || h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile);
  }

  /** The largest sample, 0 for none. */
  static long max(@Nullable Histogram h) {
    return h == null || h.getTotalCount() == 0 ? 0 : h.getMaxValue();
  }
}
