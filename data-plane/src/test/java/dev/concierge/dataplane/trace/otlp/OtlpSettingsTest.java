package dev.concierge.dataplane.trace.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OtlpSettingsTest {
  @ParameterizedTest
  @CsvSource({
    "http://127.0.0.1:4318, http://127.0.0.1:4318/v1/traces",
    "http://collector:4318/, http://collector:4318/v1/traces",
    "https://otlp.example.com, https://otlp.example.com/v1/traces",
    "https://otlp.example.com/otlp/v1/traces, https://otlp.example.com/otlp/v1/traces"
  })
  void postsSpansToV1TracesUnlessTheUrlHasAPath(String endpoint, String url) {
    assertThat(OtlpSettings.of(endpoint).tracesUrl()).isEqualTo(url);
  }

  @Test
  void defaultsAsOpenTelemetryDoes() {
    OtlpSettings settings = OtlpSettings.of("http://127.0.0.1:4318");

    assertThat(settings.serviceName()).isEqualTo("concierge-node");
    assertThat(settings.sampleRatio()).isEqualTo(1.0);
    assertThat(settings.exportDelay()).isEqualTo(Duration.ofSeconds(5));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"grpc://collector:4317", "collector:4317", "http:///v1/traces", "http://h/?a=b"})
  void rejectsWhatIsNoCollectorUrl(String endpoint) {
    assertThatThrownBy(() -> OtlpSettings.of(endpoint))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OTLP endpoint");
  }

  @Test
  void rejectsABlankServiceNameAndARatioOutside0To1() {
    OtlpSettings settings = OtlpSettings.of("http://127.0.0.1:4318");

    assertThatThrownBy(() -> settings.withServiceName(" "))
        .hasMessageContaining("service name must not be blank");
    assertThatThrownBy(() -> settings.withSampleRatio(2))
        .hasMessageContaining("sample ratio must be within 0..1: 2.0");
    assertThatThrownBy(() -> settings.withExportDelay(Duration.ZERO))
        .hasMessageContaining("export delay must be positive");
  }
}
