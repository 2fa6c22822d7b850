package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RoutePathsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/",
        "/api",
        "/api/",
        "/.well-known/acme",
        "/...",
        "/a..b",
        "/café",
        "/100%",
        "/a%zz",
        "//double"
      })
  void acceptsPathsARequestCanHave(String path) {
    assertThat(RoutePaths.problem(path)).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "api| must start with \"/\"",
        "''| must start with \"/\"",
        "/x/../y| \"..\" segment",
        "/x/..| \"..\" segment",
        "/x/./y| \".\" segment",
        "/.| \".\" segment",
        "/x%2e%2e| percent-encoding (\"%2e\")",
        "/a%20b| percent-encoding (\"%20\")",
        "/q?x=1| \"?\"",
        "/a#b| \"#\"",
        "/a b| whitespace",
      })
  void refusesPathsThatCanNeverMatch(String path, String reason) {
    assertThat(RoutePaths.problem(path)).contains(reason);
  }
}
