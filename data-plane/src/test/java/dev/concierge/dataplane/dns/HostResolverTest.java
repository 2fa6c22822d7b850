package dev.concierge.dataplane.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HostResolverTest {
  private final Map<String, InetAddress[]> dns = new ConcurrentHashMap<>();
  private final AtomicInteger lookups = new AtomicInteger();

  private InetAddress[] lookup(String host) throws UnknownHostException {
    lookups.incrementAndGet();
    InetAddress[] found = dns.get(host);
    if (found == null) {
      throw new UnknownHostException(host);
    }
    return found;
  }

  private static InetAddress ip(String literal) throws UnknownHostException {
    return InetAddress.getByName(literal);
  }

  @Test
  void neverLooksUpAnIpLiteral() throws Exception {
    try (HostResolver resolver = HostResolver.async(Duration.ofSeconds(30), this::lookup)) {
      ResolvedHost v4 = resolver.host("127.0.0.1");
      ResolvedHost v6 = resolver.host("::1");

      assertThat(v4.isLiteral()).isTrue();
      assertThat(v4.socketAddress(80)).isEqualTo(new InetSocketAddress(ip("127.0.0.1"), 80));
      assertThat(v6.uriHost()).isEqualTo("[0:0:0:0:0:0:0:1]");
      assertThat(lookups).hasValue(0);
    }
  }

  @Test
  void resolvesANameOffTheCallerAndUsesItsAddressesRoundRobin() throws Exception {
    dns.put("api.test", new InetAddress[] {ip("10.0.0.1"), ip("10.0.0.2")});
    try (HostResolver resolver = HostResolver.async(Duration.ofSeconds(30), this::lookup)) {
      ResolvedHost host = resolver.host("API.test");
      assertThat(resolver.awaitFirstLookups(List.of(host), Duration.ofSeconds(5))).isTrue();

      List<String> picked = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        picked.add(host.uriHost());
      }
      assertThat(picked).containsExactly("10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2");
      assertThat(resolver.host("api.test")).isSameAs(host);
    }
  }

  @Test
  void anUnresolvableNameHasNoAddressAndIsTriedAgainOnRefresh() throws Exception {
    try (HostResolver resolver = HostResolver.async(Duration.ofMillis(20), this::lookup)) {
      ResolvedHost host = resolver.host("late.test");
      resolver.awaitFirstLookups(List.of(host), Duration.ofSeconds(5));
      assertThat(host.isResolved()).isFalse();
      assertThat(host.socketAddress(80)).isNull();

      dns.put("late.test", new InetAddress[] {ip("10.0.0.9")});
      await().atMost(Duration.ofSeconds(5)).until(host::isResolved);
      assertThat(host.uriHost()).isEqualTo("10.0.0.9");
    }
  }

  @Test
  void aFailedRefreshKeepsTheLastAddresses() throws Exception {
    dns.put("flaky.test", new InetAddress[] {ip("10.0.0.3")});
    try (HostResolver resolver = HostResolver.async(Duration.ofMillis(20), this::lookup)) {
      ResolvedHost host = resolver.host("flaky.test");
      resolver.awaitFirstLookups(List.of(host), Duration.ofSeconds(5));
      dns.remove("flaky.test");
      int before = lookups.get();
      await().atMost(Duration.ofSeconds(5)).until(() -> lookups.get() > before + 2);

      assertThat(host.uriHost()).isEqualTo("10.0.0.3");
    }
  }

  @Test
  void forgetsNamesNoLongerInUse() throws Exception {
    dns.put("old.test", new InetAddress[] {ip("10.0.0.4")});
    try (HostResolver resolver = HostResolver.async(Duration.ofMillis(20), this::lookup)) {
      ResolvedHost old = resolver.host("old.test");
      resolver.awaitFirstLookups(List.of(old), Duration.ofSeconds(5));
      resolver.retain(Set.of());

      assertThat(resolver.host("old.test")).isNotSameAs(old);
    }
  }
}
