package dev.concierge.dataplane.cors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Cors;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The compiled origin matcher and the fields of preflight and actual answers. */
class CorsPolicyTest {
  private static final CorsPolicy APP =
      CorsPolicy.of(
          "policies/app",
          Cors.newBuilder()
              .addAllowOrigins("https://app.example.com")
              .addAllowOrigins("https://*.example.net")
              .addAllowOrigins("http://*.example.org:8080")
              .addAllowOriginRegexes("https://preview-[0-9]+\\.example\\.io")
              .addAllowMethods("PUT")
              .addAllowMethods("DELETE")
              .addAllowHeaders("Content-Type")
              .addAllowHeaders("X-Token")
              .addExposeHeaders("X-Request-Id")
              .setAllowCredentials(true)
              .setMaxAgeSeconds(600)
              .build());

  @ParameterizedTest
  @CsvSource({
    "https://app.example.com, true",
    "https://app.example.com:443, false",
    "http://app.example.com, false",
    "https://evil-app.example.com, false",
    "https://a.example.net, true",
    "https://a.b.example.net, true",
    "https://example.net, false",
    "https://.example.net, false",
    "https://a..example.net, false",
    "https://evil.com/.example.net, false",
    "https://evil.com?.example.net, false",
    "http://a.example.org:8080, true",
    "http://a.example.org, false",
    "https://preview-42.example.io, true",
    "https://preview-42.example.io.evil.com, false",
    "null, false",
  })
  void matchesExactWildcardAndRegexOrigins(String origin, boolean allowed) {
    assertThat(APP.allows(origin)).isEqualTo(allowed);
  }

  @Test
  void anyOriginAllowsAllAndTheNullObjectNone() {
    CorsPolicy any = CorsPolicy.of("policies/any", Cors.newBuilder().addAllowOrigins("*").build());
    assertThat(any.allows("https://whoever.example")).isTrue();
    assertThat(CorsPolicy.none().allows("https://whoever.example")).isFalse();
    assertThat(CorsPolicy.none().isNone()).isTrue();
    assertThat(any.isNone()).isFalse();
  }

  @Test
  void allowedPreflightGetsEveryAllowField() {
    HttpFields.Mutable out = HttpFields.build();
    assertThat(APP.preflight("https://app.example.com", "PUT", "content-type", out)).isTrue();
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN))
        .isEqualTo("https://app.example.com");
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS)).isEqualTo("PUT, DELETE");
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS)).isEqualTo("Content-Type, X-Token");
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isEqualTo("true");
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_MAX_AGE)).isEqualTo("600");
    assertThat(out.get(HttpHeader.VARY)).isEqualTo("Origin");
  }

  @Test
  void simpleMethodsArePreflightableAndOthersNot() {
    assertThat(APP.preflight("https://app.example.com", "GET", null, HttpFields.build())).isTrue();
    HttpFields.Mutable out = HttpFields.build();
    assertThat(APP.preflight("https://app.example.com", "PATCH", null, out)).isFalse();
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN)).isNull();
  }

  @Test
  void refusedPreflightGetsNoAllowField() {
    HttpFields.Mutable out = HttpFields.build();
    assertThat(APP.preflight("https://evil.example.com", "PUT", "x-token", out)).isFalse();
    assertThat(out.stream().map(f -> f.getName())).containsExactly("Vary");
  }

  @Test
  void withoutAllowHeadersThePreflightsAreEchoedAndWithoutMaxAgeNoneIsSent() {
    CorsPolicy open =
        CorsPolicy.of("policies/open", Cors.newBuilder().addAllowOrigins("*").build());
    HttpFields.Mutable out = HttpFields.build();
    assertThat(open.preflight("https://a.example", "POST", "x-a, x-b", out)).isTrue();
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS)).isEqualTo("x-a, x-b");
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS)).isEqualTo("GET, HEAD, POST");
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_MAX_AGE)).isNull();
    assertThat(out.get(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isNull();
  }

  @Test
  void actualResponseEchoesTheOriginAddsVaryAndReplacesTheBackendsFields() {
    HttpFields.Mutable backend =
        HttpFields.build()
            .add(HttpHeader.VARY, "Accept-Encoding")
            .add(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, "*")
            .add(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, "X-Internal");
    APP.actual("https://a.example.net", backend);
    assertThat(backend.getValuesList(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN))
        .containsExactly("https://a.example.net");
    assertThat(backend.getCSV(HttpHeader.VARY, false)).containsExactly("Accept-Encoding", "Origin");
    assertThat(backend.get(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isEqualTo("true");
    assertThat(backend.getValuesList(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS))
        .containsExactly("X-Request-Id");
  }

  @Test
  void actualResponseWithoutCredentialsDropsTheBackendsCredentialsField() {
    CorsPolicy plain =
        CorsPolicy.of("policies/p", Cors.newBuilder().addAllowOrigins("https://a.example").build());
    HttpFields.Mutable backend =
        HttpFields.build().add(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    plain.actual("https://a.example", backend);
    assertThat(backend.get(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isNull();
    assertThat(backend.get(HttpHeader.VARY)).isEqualTo("Origin");
    assertThat(backend.get(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS)).isNull();
  }
}
