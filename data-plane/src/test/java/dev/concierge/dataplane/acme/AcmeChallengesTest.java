package dev.concierge.dataplane.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.AcmeChallenge;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Compiling a snapshot's challenges, and looking a request path up in them. */
class AcmeChallengesTest {
  private static AcmeChallenge challenge(String token, String keyAuthorization) {
    return AcmeChallenge.newBuilder().setToken(token).setKeyAuthorization(keyAuthorization).build();
  }

  @Test
  void noChallengesCompileToTheSharedEmptyOne() {
    assertThat(AcmeChallenges.of(List.of(), (f, d) -> {})).isSameAs(AcmeChallenges.none());
    assertThat(AcmeChallenges.none().isEmpty()).isTrue();
  }

  @Test
  void answersKnownTokensUnderTheWellKnownPathOnly() {
    AcmeChallenges c =
        AcmeChallenges.of(
            List.of(challenge("tok-A_1", "tok-A_1.thumb"), challenge("t2", "t2.thumb")),
            (f, d) -> {
              throw new AssertionError(f + ": " + d);
            });

    assertThat(c.isEmpty()).isFalse();
    assertThat(c.answer("/.well-known/acme-challenge/tok-A_1")).isEqualTo("tok-A_1.thumb");
    assertThat(c.answer("/.well-known/acme-challenge/t2")).isEqualTo("t2.thumb");
    assertThat(c.answer("/.well-known/acme-challenge/unknown")).isNull();
    assertThat(c.answer("/.well-known/acme-challenge/")).isNull();
    assertThat(c.answer("/tok-A_1")).isNull();
    assertThat(c.answer("/other/.well-known/acme-challenge/t2")).isNull();
  }

  @Test
  void reportsMalformedChallengesWithTheirField() {
    List<String> problems = new ArrayList<>();

    AcmeChallenges c =
        AcmeChallenges.of(
            List.of(challenge("../etc", "x"), challenge("ok", "other.thumb"), challenge("", "")),
            (f, d) -> problems.add(f + ": " + d));

    assertThat(problems)
        .containsExactly(
            "acme_challenges[0].token: must be a non-empty base64url token",
            "acme_challenges[1].key_authorization: must be the token, a dot, a thumbprint",
            "acme_challenges[2].token: must be a non-empty base64url token");
    assertThat(c.isEmpty()).isTrue();
  }
}
