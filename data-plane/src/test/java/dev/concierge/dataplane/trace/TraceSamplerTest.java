package dev.concierge.dataplane.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TraceSamplerTest {
  private static final String UNSAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
  private static final String SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  private static double sampledShare(TraceSampler sampler, long seed) {
    Random random = new Random(seed);
    int sampled = 0;
    int roots = 20_000;
    for (int i = 0; i < roots; i++) {
      if (TraceContext.of((String) null, random, 0, sampler).sampled()) {
        sampled++;
      }
    }
    return (double) sampled / roots;
  }

  @ParameterizedTest
  @CsvSource({"0.0, 1", "0.1, 2", "0.25, 3", "0.5, 4", "0.9, 5", "1.0, 6"})
  void samplesNewRootsAtTheRatio(double ratio, long seed) {
    assertThat(sampledShare(TraceSampler.ratio(ratio), seed))
        .isBetween(Math.max(0, ratio - 0.015), Math.min(1, ratio + 0.015));
  }

  @Test
  void neverSamplesANewRootWhenOff() {
    assertThat(sampledShare(TraceSampler.never(), 7)).isZero();
    assertThat(TraceSampler.ratio(0)).isSameAs(TraceSampler.never());
  }

  @Test
  void decidesOnTheTraceIdsLower64BitsAsOpenTelemetryDoes() {
    TraceSampler half = TraceSampler.ratio(0.5);
    long bound = (long) (0.5 * Long.MAX_VALUE);

    assertThat(half.samplesRoot(0)).isTrue();
    assertThat(half.samplesRoot(bound - 1)).isTrue();
    assertThat(half.samplesRoot(-(bound - 1))).isTrue();
    assertThat(half.samplesRoot(bound)).isFalse();
    assertThat(half.samplesRoot(-bound)).isFalse();
    assertThat(half.samplesRoot(Long.MIN_VALUE)).isTrue(); // |MIN_VALUE| overflows, as in OTel
    assertThat(TraceSampler.ratio(1).samplesRoot(Long.MAX_VALUE - 1)).isTrue();
    assertThat(TraceSampler.never().samplesRoot(0)).isFalse();
    assertThat(TraceSampler.never().samplesRoot(Long.MIN_VALUE)).isFalse();
  }

  @Test
  void theSampledFlagOfANewRootFollowsItsTraceId() {
    TraceSampler half = TraceSampler.ratio(0.5);
    Random random = new Random(11);
    for (int i = 0; i < 200; i++) {
      TraceContext trace = TraceContext.of((String) null, random, 0, half);
      long low = Long.parseUnsignedLong(trace.traceId().substring(16), 16);
      assertThat(trace.sampled()).isEqualTo(half.samplesRoot(low));
      assertThat(trace.traceparent()).endsWith(trace.sampled() ? "-01" : "-00");
    }
  }

  @Test
  void aContinuedTraceKeepsItsCallersDecision() {
    TraceContext unsampledCaller =
        TraceContext.of(UNSAMPLED, new Random(1), 0, TraceSampler.ratio(1));
    TraceContext sampledCaller = TraceContext.of(SAMPLED, new Random(1), 0, TraceSampler.never());

    assertThat(unsampledCaller.sampled()).isFalse();
    assertThat(unsampledCaller.traceparent()).endsWith("-00");
    assertThat(sampledCaller.sampled()).isTrue();
    assertThat(sampledCaller.traceparent()).endsWith("-01");
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 1.01, Double.NaN, Double.POSITIVE_INFINITY})
  void rejectsARatioOutside0To1(double ratio) {
    assertThatThrownBy(() -> TraceSampler.ratio(ratio))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sample ratio must be within 0..1");
  }
}
