package dev.concierge.dataplane.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CidrSetTest {
  private static ClientAddress address(String text) {
    ClientAddress address = ClientAddress.parseHop(text);
    assertThat(address).as(text).isNotNull();
    return address;
  }

  @Test
  void matchesIpv4AndIpv6Blocks() {
    CidrSet set = CidrSet.of(List.of("10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32"));
    assertThat(set.contains(address("10.1.2.3"))).isTrue();
    assertThat(set.contains(address("10.255.255.255"))).isTrue();
    assertThat(set.contains(address("11.0.0.0"))).isFalse();
    assertThat(set.contains(address("9.255.255.255"))).isFalse();
    assertThat(set.contains(address("192.168.1.200"))).isTrue();
    assertThat(set.contains(address("192.168.2.1"))).isFalse();
    assertThat(set.contains(address("2001:db8:1::5"))).isTrue();
    assertThat(set.contains(address("2001:db9::1"))).isFalse();
    // IPv4 blocks also hold IPv4-mapped IPv6 clients.
    assertThat(set.contains(address("::ffff:10.0.0.1"))).isTrue();
  }

  @Test
  void singleAddressesAndEverything() {
    assertThat(CidrSet.of(List.of("127.0.0.1/32")).contains(address("127.0.0.1"))).isTrue();
    assertThat(CidrSet.of(List.of("127.0.0.1/32")).contains(address("127.0.0.2"))).isFalse();
    assertThat(CidrSet.of(List.of("::/0")).contains(address("8.8.8.8"))).isTrue();
    assertThat(CidrSet.of(List.of("0.0.0.0/0")).contains(address("2001:db8::1"))).isFalse();
    assertThat(CidrSet.of(List.of("::1/128")).contains(address("[::1]:8080"))).isTrue();
  }

  @Test
  void overlappingBlocksMerge() {
    CidrSet set = CidrSet.of(List.of("10.0.0.0/16", "10.0.0.0/8", "10.1.0.0/16", "12.0.0.0/8"));
    assertThat(set.contains(address("10.200.0.1"))).isTrue();
    assertThat(set.contains(address("11.0.0.1"))).isFalse();
    assertThat(set.contains(address("12.0.0.1"))).isTrue();
  }

  @Test
  void refusesBadBlocks() {
    assertThatThrownBy(() -> CidrSet.of(List.of("10.0.0.1/8")))
        .hasMessageContaining("first address");
    assertThatThrownBy(() -> CidrSet.of(List.of("10.0.0.0/33"))).hasMessageContaining("0-32");
    assertThatThrownBy(() -> CidrSet.of(List.of("example.com/8")))
        .hasMessageContaining("not an IPv4 or IPv6 address");
    assertThatThrownBy(() -> CidrSet.of(List.of("10.0.0.0"))).hasMessageContaining("CIDR");
  }
}
