package dev.concierge.dataplane.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
  private static final TrustedProxies PROXIES =
      TrustedProxies.of(CidrSet.of(List.of("10.0.0.0/8", "2001:db8::/32")));
  private static final ClientAddress PEER = ClientAddress.parseHop("10.0.0.1");

  private static String client(String... forwardedFor) {
    HttpFields.Mutable headers = HttpFields.build();
    for (String line : forwardedFor) {
      headers.add("X-Forwarded-For", line);
    }
    return PROXIES.clientBehind(PEER, headers).text();
  }

  @Test
  void theClientIsTheFirstUntrustedHopFromTheRight() {
    assertThat(client("203.0.113.7")).isEqualTo("203.0.113.7");
    // The client forged the left entry; the proxies appended the rest.
    assertThat(client("1.1.1.1, 203.0.113.7, 10.0.0.5")).isEqualTo("203.0.113.7");
    assertThat(client("1.1.1.1, 203.0.113.7", "10.0.0.5, 2001:db8::9")).isEqualTo("203.0.113.7");
  }

  @Test
  void onlyTrustedHopsMeansTheLeftmost() {
    assertThat(client("10.0.0.9, 10.0.0.5")).isEqualTo("10.0.0.9");
    assertThat(client()).isEqualTo("10.0.0.1");
  }

  @Test
  void hopsWithPortsAndBracketsAreRead() {
    assertThat(client("203.0.113.7:4711")).isEqualTo("203.0.113.7:4711");
    assertThat(client("[2001:db9::1]:443")).isEqualTo("[2001:db9::1]:443");
  }

  @Test
  void aHopThatIsNoAddressEndsTheWalk() {
    assertThat(client("203.0.113.7, unknown, 10.0.0.5")).isEqualTo("10.0.0.5");
    assertThat(client("garbage")).isEqualTo("10.0.0.1");
  }

  @Test
  void trustsOnlyItsBlocks() {
    assertThat(PROXIES.trusts(PEER)).isTrue();
    assertThat(PROXIES.trusts(ClientAddress.parseHop("192.0.2.1"))).isFalse();
    assertThat(TrustedProxies.none().trusts(PEER)).isFalse();
    assertThat(TrustedProxies.none().isEmpty()).isTrue();
  }
}
