package dev.concierge.dataplane.trace.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HopSpanTest {
  @ParameterizedTest
  @CsvSource({"HTTP/1.1, 1.1", "HTTP/1.0, 1.0", "HTTP/2.0, 2", "HTTP/3.0, 3"})
  void writesProtocolVersionsAsOpenTelemetryDoes(String protocol, String version) {
    assertThat(HopSpan.protocolVersion(protocol)).isEqualTo(version);
  }
}
