package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.HeaderMatch;
import dev.concierge.api.v1.QueryParameterMatch;
import dev.concierge.api.v1.RouteMatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestMatchRulesTest {
  private static List<String> violations(RouteMatch.Builder match) {
    List<String> found = new ArrayList<>();
    RequestMatchRules.check(match.build(), "route", (field, why) -> found.add(field + ": " + why));
    return found;
  }

  @Test
  void acceptsEveryKindOfTest() {
    assertThat(
            violations(
                RouteMatch.newBuilder()
                    .addHeaders(HeaderMatch.newBuilder().setName("x-canary"))
                    .addHeaders(HeaderMatch.newBuilder().setName("x-a").setExact(""))
                    .addHeaders(HeaderMatch.newBuilder().setName("accept").setPrefix("text/"))
                    .addHeaders(
                        HeaderMatch.newBuilder().setName("x-v").setRegex("v\\d+").setInvert(true))
                    .addQueryParameters(QueryParameterMatch.newBuilder().setName("debug"))
                    .addQueryParameters(
                        QueryParameterMatch.newBuilder().setName("id").setRegex("[0-9]+"))))
        .isEmpty();
  }

  @Test
  void namesWhatIsWrongWithEachTest() {
    assertThat(
            violations(
                RouteMatch.newBuilder()
                    .addHeaders(HeaderMatch.newBuilder().setName("x y"))
                    .addHeaders(HeaderMatch.newBuilder().setName("x").setPrefix(""))
                    .addHeaders(HeaderMatch.newBuilder().setName("x").setExact("a\nb"))
                    .addHeaders(HeaderMatch.newBuilder().setName("x").setRegex("(a)\\1"))
                    .addHeaders(HeaderMatch.newBuilder().setName("x").setRegex("a".repeat(1025)))
                    .addHeaders(HeaderMatch.newBuilder().setName("X-V").setRegex("v\\d+"))
                    .addHeaders(HeaderMatch.newBuilder().setName("x-v").setRegex("v\\d+"))
                    .addQueryParameters(QueryParameterMatch.newBuilder().setRegex("*"))))
        .containsExactly(
            "route.match.headers[0].name: \"x y\" is not a header name (letters, digits and"
                + " !#$%&'*+-.^_`|~ only)",
            "route.match.headers[1].prefix: must not be empty (a header that is present: no value)",
            "route.match.headers[2].exact: must not contain CR, LF or NUL: no request can carry"
                + " them",
            "route.match.headers[3].regex: not an RE2 regular expression: invalid escape sequence",
            "route.match.headers[4].regex: must be at most 1024 characters",
            "route.match.headers[6]: duplicates headers[5]",
            "route.match.query_parameters[0].name: must not be empty",
            "route.match.query_parameters[0].regex: not an RE2 regular expression: missing"
                + " argument to repetition operator");
  }

  @Test
  void boundsTheNumberOfTests() {
    RouteMatch.Builder match = RouteMatch.newBuilder();
    for (int i = 0; i <= RequestMatchRules.MAX_MATCHES; i++) {
      match.addHeaders(HeaderMatch.newBuilder().setName("x-" + i));
    }
    assertThat(violations(match)).containsExactly("route.match.headers: at most 32 header matches");
  }
}
