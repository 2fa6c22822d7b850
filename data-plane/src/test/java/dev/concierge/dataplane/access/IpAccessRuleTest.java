package dev.concierge.dataplane.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.IpAccessList;
import dev.concierge.dataplane.client.CidrSet;
import dev.concierge.dataplane.client.ClientAddress;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CIDR structure an IP access list compiles into (CidrSet: merged sorted ranges, one binary
 * search) at its edges and at 100,000 blocks against a naive scan, and the allow/deny verdicts.
 */
class IpAccessRuleTest {

  private static ClientAddress address(String text) {
    ClientAddress address = ClientAddress.parseHop(text);
    assertThat(address).as(text).isNotNull();
    return address;
  }

  private static IpAccessRule rule(List<String> allow, List<String> deny) {
    return IpAccessRule.of(
        "policies/test", IpAccessList.newBuilder().addAllAllow(allow).addAllDeny(deny).build());
  }

  @Test
  void denyWinsAndANonEmptyAllowListAdmitsOnlyItsBlocks() {
    IpAccessRule rule = rule(List.of("10.0.0.0/8", "2001:db8::/32"), List.of("10.66.0.0/16"));
    assertThat(rule.admits(address("10.1.2.3"))).isTrue();
    assertThat(rule.admits(address("10.66.0.1"))).isFalse();
    assertThat(rule.admits(address("11.0.0.1"))).isFalse();
    assertThat(rule.admits(address("2001:db8::7"))).isTrue();
    assertThat(rule.admits(address("2001:db9::7"))).isFalse();

    IpAccessRule denyOnly = rule(List.of(), List.of("203.0.113.0/24"));
    assertThat(denyOnly.admits(address("203.0.113.9"))).isFalse();
    assertThat(denyOnly.admits(address("198.51.100.9"))).isTrue();
    assertThat(denyOnly.admits(address("::1"))).isTrue();
  }

  @Test
  void edgesOfBlocksAndTheWholeSpace() {
    CidrSet v4 = CidrSet.of(List.of("192.0.2.0/24"));
    assertThat(v4.contains(address("192.0.1.255"))).isFalse();
    assertThat(v4.contains(address("192.0.2.0"))).isTrue();
    assertThat(v4.contains(address("192.0.2.255"))).isTrue();
    assertThat(v4.contains(address("192.0.3.0"))).isFalse();

    CidrSet all4 = CidrSet.of(List.of("0.0.0.0/0"));
    assertThat(all4.contains(address("0.0.0.0"))).isTrue();
    assertThat(all4.contains(address("255.255.255.255"))).isTrue();
    assertThat(all4.contains(address("::1"))).isFalse();
    assertThat(all4.contains(address("::ffff:8.8.8.8"))).isTrue(); // IPv4-mapped IPv6

    CidrSet all = CidrSet.of(List.of("::/0"));
    assertThat(all.contains(address("::"))).isTrue();
    assertThat(all.contains(address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))).isTrue();
    assertThat(all.contains(address("1.2.3.4"))).isTrue();

    CidrSet host4 = CidrSet.of(List.of("127.0.0.1/32"));
    assertThat(host4.contains(address("127.0.0.1"))).isTrue();
    assertThat(host4.contains(address("::ffff:127.0.0.1"))).isTrue();
    assertThat(host4.contains(address("127.0.0.2"))).isFalse();
    assertThat(host4.contains(address("127.0.0.0"))).isFalse();

    CidrSet host6 = CidrSet.of(List.of("::1/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"));
    assertThat(host6.contains(address("::1"))).isTrue();
    assertThat(host6.contains(address("::2"))).isFalse();
    assertThat(host6.contains(address("::"))).isFalse();
    assertThat(host6.contains(address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))).isTrue();
    assertThat(host6.contains(address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"))).isFalse();

    // A block across the 64-bit halves.
    CidrSet across = CidrSet.of(List.of("2001:db8:0:fffe::/63"));
    assertThat(across.contains(address("2001:db8:0:fffe::1"))).isTrue();
    assertThat(across.contains(address("2001:db8:0:ffff:ffff:ffff:ffff:ffff"))).isTrue();
    assertThat(across.contains(address("2001:db8:1::"))).isFalse();
  }

  @Test
  void overlappingAndAdjacentBlocksMergeIntoOneRange() {
    CidrSet set =
        CidrSet.of(
            List.of(
                "10.0.0.0/25",
                "10.0.0.128/25", // adjacent: 10.0.0.0-10.0.0.255
                "10.0.1.0/24", // adjacent again
                "10.0.0.64/26", // inside
                "10.0.0.0/23", // the same range whole
                "2001:db8::/33",
                "2001:db8:8000::/33", // adjacent halves of 2001:db8::/32
                "::/128",
                "::1/128"));
    assertThat(set.toString()).contains("10.0.0.0/25");
    assertThat(set.contains(address("10.0.0.127"))).isTrue();
    assertThat(set.contains(address("10.0.0.128"))).isTrue();
    assertThat(set.contains(address("10.0.1.255"))).isTrue();
    assertThat(set.contains(address("10.0.2.0"))).isFalse();
    assertThat(set.contains(address("9.255.255.255"))).isFalse();
    assertThat(set.contains(address("2001:db8:7fff:ffff:ffff:ffff:ffff:ffff"))).isTrue();
    assertThat(set.contains(address("2001:db8:8000::"))).isTrue();
    assertThat(set.contains(address("2001:db9::"))).isFalse();
    assertThat(set.contains(address("::"))).isTrue();
    assertThat(set.contains(address("::1"))).isTrue();
    assertThat(set.contains(address("::2"))).isFalse();
    assertThat(set.ranges()).isEqualTo(3);
  }

  @Test
  void aHundredThousandRandomBlocksAgreeWithANaiveScanAndLookUpWithoutAllocating()
      throws Exception {
    Random random = new Random(18);
    int n = 100_000;
    List<String> cidrs = new ArrayList<>(n);
    long[][] blocks = new long[n][]; // {firstHigh, firstLow, lastHigh, lastLow}
    for (int i = 0; i < n; i++) {
      boolean v4 = random.nextInt(3) > 0;
      int bits = v4 ? 8 + random.nextInt(25) : 16 + random.nextInt(113);
      long high = v4 ? 0 : 0x2000_0000_0000_0000L | (random.nextLong() >>> 3);
      long low = v4 ? 0xffff_0000_0000L | (random.nextInt() & 0xffff_ffffL) : random.nextLong();
      int prefix = v4 ? 96 + bits : bits;
      long highMask = prefix >= 64 ? -1L : -1L << (64 - prefix);
      long lowMask = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
      blocks[i] = new long[] {high & highMask, low & lowMask, high | ~highMask, low | ~lowMask};
      cidrs.add(text(blocks[i][0], blocks[i][1], v4) + "/" + bits);
    }

    long start = System.nanoTime();
    CidrSet set = CidrSet.of(cidrs);
    long compileMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(compileMillis).as("compile time of %d blocks, ms", n).isLessThan(5_000);

    List<ClientAddress> probes = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      long[] b = blocks[random.nextInt(n)];
      boolean v4 = b[0] == 0 && (b[1] >>> 32) == 0xffff;
      probes.add(of(b[0], b[1], v4)); // first
      probes.add(of(b[2], b[3], v4)); // last
      if (b[1] != 0 && !(v4 && b[1] == 0xffff_0000_0000L)) {
        probes.add(of(b[0], b[1] - 1, v4)); // just before
      }
      if (b[3] != -1L && !(v4 && b[3] == 0xffff_ffff_ffffL)) {
        probes.add(of(b[2], b[3] + 1, v4)); // just after
      }
      probes.add(of(0, 0xffff_0000_0000L | (random.nextInt() & 0xffff_ffffL), true));
      probes.add(of(0x2000_0000_0000_0000L | (random.nextLong() >>> 3), random.nextLong(), false));
    }
    int hits = 0;
    for (ClientAddress probe : probes) {
      boolean naive = false;
      for (long[] b : blocks) {
        if (within(probe, b)) {
          naive = true;
          break;
        }
      }
      assertThat(set.contains(probe)).as("%s", probe).isEqualTo(naive);
      hits += naive ? 1 : 0;
    }
    assertThat(hits).as("the probes hit and miss").isBetween(probes.size() / 4, probes.size() - 1);

    // Lookups allocate nothing: the request path reads sorted arrays only.
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ClientAddress[] warm = probes.toArray(new ClientAddress[0]);
    int found = 0;
    for (int round = 0; round < 20; round++) {
      for (ClientAddress probe : warm) {
        found += set.contains(probe) ? 1 : 0;
      }
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int round = 0; round < 50; round++) {
      for (ClientAddress probe : warm) {
        found += set.contains(probe) ? 1 : 0;
      }
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(found).isPositive();
    assertThat(allocated).as("bytes allocated by %d lookups", 50L * warm.length).isLessThan(1024);
  }

  private static boolean within(ClientAddress a, long[] b) {
    return compare(a.high(), a.low(), b[0], b[1]) >= 0
        && compare(a.high(), a.low(), b[2], b[3]) <= 0;
  }

  private static int compare(long ah, long al, long bh, long bl) {
    int c = Long.compareUnsigned(ah, bh);
    return c != 0 ? c : Long.compareUnsigned(al, bl);
  }

  private static ClientAddress of(long high, long low, boolean v4) throws UnknownHostException {
    String text = text(high, low, v4);
    return ClientAddress.of(text, InetAddress.getByName(text));
  }

  private static String text(long high, long low, boolean v4) throws UnknownHostException {
    byte[] bytes =
        v4
            ? ByteBuffer.allocate(4).putInt((int) low).array()
            : ByteBuffer.allocate(16).putLong(high).putLong(low).array();
    return InetAddress.getByAddress(bytes).getHostAddress();
  }
}
