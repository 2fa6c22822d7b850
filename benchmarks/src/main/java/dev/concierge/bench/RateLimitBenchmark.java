package dev.concierge.bench;

import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.ClientFacts;
import dev.concierge.dataplane.ratelimit.RateLimitPolicy;
import dev.concierge.dataplane.ratelimit.RateLimitRule;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
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
 * The allowed path of a client-keyed rate limit ({@link RateLimitPolicy#admit}: a bucket found in
 * the map and one CAS) over {@code keys} distinct client addresses, every bucket already present;
 * the setup prints the heap the buckets of {@code keys} clients take, per key.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RateLimitBenchmark {
  @Param({"1024", "1000000"})
  int keys;

  private RateLimitPolicy policy;
  private Client[] clients;
  private int next;

  /** A client of the benchmark: only its address is read. */
  private record Client(ClientAddress clientAddress) implements ClientFacts {
    @Override
    public boolean peerTrusted() {
      return false;
    }

    @Override
    public DeviceClass deviceClass() {
      return DeviceClass.DESKTOP;
    }

    @Override
    public String country() {
      return "ZZ";
    }

    @Override
    public long currentTimeMillis() {
      return 0;
    }
  }

  /** Takes nothing from what each rule answers. */
  private static final RateLimitPolicy.Verdict IGNORED = RateLimitPolicy.Verdict.ignored();

  @Setup
  public void setUp() throws UnknownHostException {
    // A rate no client reaches: every request is allowed, as on a healthy route.
    RateLimitRule rule =
        RateLimitRule.of(
            "policies/bench",
            RateLimit.newBuilder()
                .setRequests(1_000_000_000)
                .setUnit(RateLimit.Unit.SECOND)
                .setBurst(1_000_000_000)
                .build());
    policy = RateLimitPolicy.of("routes/bench", List.of(rule), System::nanoTime);
    int count = Integer.highestOneBit(keys - 1) << 1;
    clients = new Client[count];
    for (int i = 0; i < count; i++) {
      byte[] address = ByteBuffer.allocate(4).putInt(0x0a00_0000 + i).array();
      InetAddress inet = InetAddress.getByAddress(address);
      clients[i] = new Client(ClientAddress.of(inet.getHostAddress(), inet));
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long before = usedAfterGc(memory);
    for (Client client : clients) {
      policy.admit(HttpFields.EMPTY, client, IGNORED);
    }
    long after = usedAfterGc(memory);
    System.out.printf(
        "%n%d buckets: %.1f bytes per key%n", count, (after - before) / (double) count);
  }

  private static long usedAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** One allowed request of a known client. */
  @Benchmark
  public boolean admit() {
    Client client = clients[next++ & (clients.length - 1)];
    return policy.admit(HttpFields.EMPTY, client, IGNORED).admitted();
  }
}
