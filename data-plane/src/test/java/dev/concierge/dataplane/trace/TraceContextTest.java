package dev.concierge.dataplane.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceContextTest {
  private static final String VALID = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void continuesAValidTraceWithANewParentIdAndTheSameFlags() {
    TraceContext trace = TraceContext.of(VALID, new Random(1), 42);

    assertThat(trace.continued()).isTrue();
    assertThat(trace.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(trace.parentSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(trace.spanId()).hasSize(16).isNotEqualTo("b7ad6b7169203331");
    assertThat(trace.flags()).isEqualTo(1);
    assertThat(trace.startEpochNanos()).isEqualTo(42);
    assertThat(trace.traceparent())
        .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-" + trace.spanId() + "-01");
    assertThat(TraceContext.isValid(trace.traceparent())).isTrue();
  }

  @Test
  void startsAValidTraceWithFlags00WhenNoneCame() {
    TraceContext trace = TraceContext.of((String) null, new Random(7), 0);

    assertThat(trace.continued()).isFalse();
    assertThat(trace.parentSpanId()).isNull();
    assertThat(trace.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
    assertThat(TraceContext.isValid(trace.traceparent())).isTrue();
    assertThat(trace.flags()).isZero();
  }

  @Test
  void drawsItsIdsFromTheRandomSourceGiven() {
    TraceContext a = TraceContext.of((String) null, new Random(3), 0);
    TraceContext b = TraceContext.of((String) null, new Random(3), 0);
    TraceContext c = TraceContext.of((String) null, new Random(4), 0);

    assertThat(a.traceparent()).isEqualTo(b.traceparent());
    assertThat(c.traceId()).isNotEqualTo(a.traceId());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "00",
        // all-zero trace id, all-zero parent id
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
        // uppercase hex
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-B7AD6B7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0A",
        // version ff is invalid, a version must be hex
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        // version 00 has exactly four fields
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        // wrong separators and lengths
        "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319-cb7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-101",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1",
        // a later version must go on with '-' after the flags
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",
      })
  void rejectsMalformedTraceparents(String value) {
    assertThat(TraceContext.isValid(value)).isFalse();
    TraceContext trace = TraceContext.of(value, new Random(1), 0);
    assertThat(trace.continued()).isFalse();
    assertThat(trace.traceparent()).endsWith("-00");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future-holds",
      })
  void continuesALaterVersionAsVersion00(String value) {
    TraceContext trace = TraceContext.of(value, new Random(1), 0);

    assertThat(trace.continued()).isTrue();
    assertThat(trace.traceparent()).startsWith("00-0af7651916cd43dd8448eb211c80319c-").hasSize(55);
  }

  @Test
  void startsAFreshTraceWhenTwoTraceparentLinesCame() {
    HttpFields fields =
        HttpFields.build()
            .add("traceparent", VALID)
            .add("Traceparent", "00-11111111111111111111111111111111-2222222222222222-01");

    TraceContext trace = TraceContext.of(fields, new Random(1), 0);

    assertThat(trace.continued()).isFalse();
    assertThat(trace.traceId()).isNotEqualTo("0af7651916cd43dd8448eb211c80319c");
  }

  @Test
  void findsTheHeaderWhateverItsCase() {
    HttpFields fields = HttpFields.build().add("TraceParent", VALID);

    assertThat(TraceContext.of(fields, new Random(1), 0).traceId())
        .isEqualTo("0af7651916cd43dd8448eb211c80319c");
  }
}
