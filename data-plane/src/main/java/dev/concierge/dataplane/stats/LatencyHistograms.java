package dev.concierge.dataplane.stats;

import com.google.protobuf.ByteString;
import dev.concierge.api.v1.TrafficCounters;
import java.nio.ByteBuffer;
import org.HdrHistogram.Histogram;

/** Puts a latency histogram into reported counters: its encoding and convenience figures. */
final class LatencyHistograms {
  private LatencyHistograms() {}

  /** Sets the latency fields of {@code counters} from {@code copy} (microseconds); returns it. */
  static TrafficCounters.Builder fill(TrafficCounters.Builder counters, Histogram copy) {
    ByteBuffer encoded = ByteBuffer.allocate(copy.getNeededByteBufferCapacity());
    int length = copy.encodeIntoCompressedByteBuffer(encoded);
    encoded.flip().limit(length);
    boolean empty = copy.getTotalCount() == 0;
    return counters
        .setLatencyHistogram(ByteString.copyFrom(encoded))
        .setLatencyCount(copy.getTotalCount())
        .setLatencyP50Us(empty ? 0 : copy.getValueAtPercentile(50.0))
        .setLatencyP99Us(empty ? 0 : copy.getValueAtPercentile(99.0))
        .setLatencyMaxUs(empty ? 0 : copy.getMaxValue());
  }
}
