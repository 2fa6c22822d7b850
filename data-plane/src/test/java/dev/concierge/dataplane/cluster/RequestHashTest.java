package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestHashTest {
  @Test
  void findsACookieAmongOthersInPlace() {
    long expected = Picks.hash("abc");

    assertThat(RequestHash.cookieHash("session=abc", "session")).isEqualTo(expected);
    assertThat(RequestHash.cookieHash("a=1; session=abc; b=2", "session")).isEqualTo(expected);
    assertThat(RequestHash.cookieHash("a=1;session=\"abc\"", "session")).isEqualTo(expected);
  }

  @Test
  void aMissingCookieIsNotFound() {
    assertThat(RequestHash.cookieHash("sessions=abc; xsession=abc", "session"))
        .isEqualTo(RequestHash.NO_COOKIE);
    assertThat(RequestHash.cookieHash("", "session")).isEqualTo(RequestHash.NO_COOKIE);
    assertThat(RequestHash.cookieHash("session", "session")).isEqualTo(RequestHash.NO_COOKIE);
  }

  @Test
  void noneAndRandom() {
    assertThat(RequestHash.none().isNone()).isTrue();
    assertThat(RequestHash.random().isNone()).isFalse();
  }
}
