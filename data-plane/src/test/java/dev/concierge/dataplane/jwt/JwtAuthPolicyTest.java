package dev.concierge.dataplane.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.JwtAuth;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JwtAuthPolicyTest {
  private static final long NOW = TestTokens.NOW.toEpochMilli();

  @Test
  void aCachedTokenStillHasItsClaimsCheckedEachTime() throws Exception {
    TestTokens tokens = new TestTokens();
    JwtAuthPolicy policy =
        JwtAuthPolicy.inline(
            "policies/api",
            JwtAuth.newBuilder()
                .addIssuers("https://issuer.example")
                .setJwks(tokens.publicJwks())
                .build());
    String token = tokens.es256(TestTokens.claims().build());
    assertThat(policy.admits(token, NOW)).isTrue();
    assertThat(policy.admits(token, NOW)).isTrue(); // from the cache
    // exp is NOW + 300 s, leeway 60 s: the cached token expires like any other.
    assertThat(policy.admits(token, NOW + 361_000)).isFalse();
    assertThat(policy.admitsUncached(token, NOW + 361_000)).isFalse();
    // A token that failed is not kept: a forged one stays refused.
    String forged = token.substring(0, token.length() - 4) + "AAAA";
    assertThat(policy.admits(forged, NOW)).isFalse();
    assertThat(policy.admits(forged, NOW)).isFalse();
  }

  @Test
  void claimsBecomeHeaderTextOrNothing() {
    assertThat(JwtAuthPolicy.text("alice")).isEqualTo("alice");
    assertThat(JwtAuthPolicy.text(42L)).isEqualTo("42");
    assertThat(JwtAuthPolicy.text(true)).isEqualTo("true");
    assertThat(JwtAuthPolicy.text(Date.from(java.time.Instant.ofEpochSecond(1_700_000_000L))))
        .isEqualTo("1700000000");
    assertThat(JwtAuthPolicy.text(List.of("a", "b"))).isEqualTo("[\"a\",\"b\"]");
    assertThat(JwtAuthPolicy.text(Map.of("role", "admin"))).isEqualTo("{\"role\":\"admin\"}");
    assertThat(JwtAuthPolicy.text("two\r\nlines")).isNull();
    assertThat(JwtAuthPolicy.text(null)).isNull();
  }
}
