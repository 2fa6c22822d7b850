package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointHostsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "backend",
        "backend.internal",
        "Backend.Example.COM",
        "backend.local.",
        "my_service",
        "xn--bcher-kva.example",
        "10.0.0.1",
        "::1",
        "[::1]",
        "2001:db8::1",
        "a1.example"
      })
  void acceptsNamesAndLiterals(String host) {
    assertThat(EndpointHosts.problem(host)).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''| required",
        "example.com:80| the port is a field of its own",
        "[::zz]| not an IPv6 literal",
        "999.1.1.1| neither a DNS name nor an IPv4 literal",
        "a..b| empty label",
        ".| must not end with a dot",
        "bücher.example| punycode",
        "-a.example| hyphen",
        "http://a| without scheme",
      })
  void refusesWhatIsNoHost(String host, String reason) {
    assertThat(EndpointHosts.problem(host)).contains(reason);
  }

  @ParameterizedTest
  @CsvSource({"63, true", "64, false"})
  void labelsUpTo63Characters(int length, boolean accepted) {
    assertThat(EndpointHosts.problem("a".repeat(length) + ".example") == null).isEqualTo(accepted);
  }
}
