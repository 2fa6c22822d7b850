package dev.concierge.bench;

import dev.concierge.api.v1.IpAccessList;
import dev.concierge.dataplane.access.IpAccessRule;
import dev.concierge.dataplane.client.ClientAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link IpAccessRule#admits} of an IP access list of {@code blocks} random CIDR blocks (two thirds
 * IPv4 /8-/32, one third IPv6 /16-/128) in the deny list, for clients drawn from a fixed set of
 * 1,024 addresses (half IPv4, half IPv6): one binary search over merged ranges per list.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IpAccessBenchmark {
  @Param({"100", "100000"})
  int blocks;

  private IpAccessRule rule;
  private final ClientAddress[] clients = new ClientAddress[1024];
  private int next;

  @Setup
  public void setUp() throws UnknownHostException {
    Random random = new Random(18);
    IpAccessList.Builder list = IpAccessList.newBuilder();
    for (int i = 0; i < blocks; i++) {
      boolean v4 = random.nextInt(3) > 0;
      int bits = v4 ? 8 + random.nextInt(25) : 16 + random.nextInt(113);
      byte[] address = v4 ? new byte[4] : new byte[16];
      random.nextBytes(address);
      address[0] = v4 ? address[0] : (byte) (0x20 | (address[0] & 0x0f));
      for (int bit = bits; bit < address.length * 8; bit++) {
        address[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
      }
      list.addDeny(InetAddress.getByAddress(address).getHostAddress() + "/" + bits);
    }
    rule = IpAccessRule.of("policies/bench", list.build());
    for (int i = 0; i < clients.length; i++) {
      byte[] address =
          i % 2 == 0
              ? ByteBuffer.allocate(4).putInt(random.nextInt()).array()
              : ByteBuffer.allocate(16)
                  .putLong(0x2000_0000_0000_0000L | (random.nextLong() >>> 4))
                  .putLong(random.nextLong())
                  .array();
      InetAddress inet = InetAddress.getByAddress(address);
      clients[i] = ClientAddress.of(inet.getHostAddress(), inet);
    }
  }

  /** One client's verdict. */
  @Benchmark
  public boolean admits() {
    ClientAddress client = clients[next++ & (clients.length - 1)];
    return rule.admits(client);
  }
}
