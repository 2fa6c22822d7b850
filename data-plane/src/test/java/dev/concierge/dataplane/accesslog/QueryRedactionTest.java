package dev.concierge.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueryRedactionTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/a|/a",
        "/a?|/a?",
        "/a?x=1|/a?x=1",
        "/a?token=s3cret|/a?token=REDACTED",
        "/a?x=1&token=s3cret&y=2|/a?x=1&token=REDACTED&y=2",
        "/a?token=1&token=2|/a?token=REDACTED&token=REDACTED",
        "/a?to%6Ben=s3cret|/a?to%6Ben=REDACTED",
        "/a?token|/a?token",
        "/a?tokens=1&Token=2|/a?tokens=1&Token=2",
        "/a?&&token=s3cret&|/a?&&token=REDACTED&",
        "/a?api_key=k=v&x|/a?api_key=REDACTED&x",
        "/a?%zz=1|/a?%zz=1",
      })
  void replacesTheValuesOfSecretParameters(String target, String logged) {
    assertThat(QueryRedaction.redact(target, Set.of("token", "api_key"))).isEqualTo(logged);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"/a?token=s3cret|/a?token=s3cret"})
  void keepsEverythingWithoutSecrets(String target, String logged) {
    assertThat(QueryRedaction.redact(target, Set.of())).isEqualTo(logged);
  }
}
