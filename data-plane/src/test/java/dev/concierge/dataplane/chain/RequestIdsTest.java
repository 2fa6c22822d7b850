package dev.concierge.dataplane.chain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdsTest {
  @ParameterizedTest
  @ValueSource(strings = {"a", "5f0c29e1-1a", "req_123:abc/DEF~!"})
  void acceptsVisibleAscii(String id) {
    assertThat(RequestIds.isAcceptable(id)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "tab\there", "caf\u00e9", "new\nline", "nul\u0000"})
  void refusesEmptySpacesControlsAndNonAscii(String id) {
    assertThat(RequestIds.isAcceptable(id)).isFalse();
  }

  @org.junit.jupiter.api.Test
  void refusesIdsLongerThanTheLimit() {
    assertThat(RequestIds.isAcceptable("x".repeat(RequestIds.MAX_LENGTH))).isTrue();
    assertThat(RequestIds.isAcceptable("x".repeat(RequestIds.MAX_LENGTH + 1))).isFalse();
  }
}
