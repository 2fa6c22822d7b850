package dev.concierge.dataplane.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The query helpers of the authenticated request: finding a key and stripping it. */
class ForwardedAsTest {
  @Test
  void findsAParameterByItsExactNameAndDecodesIt() {
    assertThat(ForwardedAs.queryParameter("a=1&apikey=ck_x%2By&b=2", "apikey")).isEqualTo("ck_x+y");
    assertThat(ForwardedAs.queryParameter("xapikey=1&apikey=2", "apikey")).isEqualTo("2");
    assertThat(ForwardedAs.queryParameter("apikey", "apikey")).isNull();
    assertThat(ForwardedAs.queryParameter("APIKEY=1", "apikey")).isNull();
    assertThat(ForwardedAs.queryParameter(null, "apikey")).isNull();
  }

  @Test
  void stripsEveryParameterOfTheNamesAndKeepsTheRestInOrder() {
    assertThat(ForwardedAs.withoutParameters("a=1&apikey=k&b=2&apikey=j", Set.of("apikey")))
        .isEqualTo("a=1&b=2");
    assertThat(ForwardedAs.withoutParameters("apikey=k", Set.of("apikey"))).isEmpty();
    assertThat(ForwardedAs.withoutParameters("a=1&b", Set.of("apikey"))).isEqualTo("a=1&b");
  }
}
