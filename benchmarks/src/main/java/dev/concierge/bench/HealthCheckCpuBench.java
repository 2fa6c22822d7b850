package dev.concierge.bench;

import com.google.protobuf.util.Durations;
import com.sun.net.httpserver.HttpServer;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.dataplane.health.HealthChecker;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU the active health checker uses: N endpoints (default 1,000) at a 1 s interval, each a
 * distinct loopback address (127.0.x.y) of one local backend bound to the wildcard address that
 * answers {@code /healthz} with 204. After a warm-up it reports, per wall second, the CPU of the
 * checker's own threads (timer, HTTP/1.1 selector and h2c client, named {@code concierge-health*})
 * and of the whole process (which also holds the backend), and the checks answered.
 *
 * <p>The JDK backend keeps at most 200 idle connections ({@code
 * sun.net.httpserver.maxIdleConnections}) and quietly closes the rest after each answer, so by
 * default most HTTP checks of 1,000 endpoints need a new connection whatever the prober does; add
 * {@code -Dsun.net.httpserver.maxIdleConnections=5000} to measure checks on kept connections, as
 * against a backend that keeps them (nginx, Envoy, Jetty).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.concierge.bench.HealthCheckCpuBench
 * [endpoints] [http|tcp] [seconds]}.
 */
public final class HealthCheckCpuBench {
  private HealthCheckCpuBench() {}

  public static void main(String[] args) throws Exception {
    int endpoints = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    boolean http = args.length <= 1 || args[1].equals("http");
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    AtomicLong answered = new AtomicLong();
    HttpServer backend =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0), 1024);
    backend.createContext(
        "/",
        exchange -> {
          answered.incrementAndGet();
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    backend.setExecutor(Executors.newFixedThreadPool(2));
    backend.start();
    int port = backend.getAddress().getPort();

    HealthCheck.Builder check =
        HealthCheck.newBuilder()
            .setInterval(Durations.fromSeconds(1))
            .setTimeout(Durations.fromMillis(500))
            .setJitterPercent(10);
    if (http) {
      check.setHttp(HealthCheck.Http.newBuilder().setPath("/healthz"));
    } else {
      check.setTcp(HealthCheck.Tcp.getDefaultInstance());
    }
    Cluster.Builder cluster = Cluster.newBuilder().setName("clusters/many").setHealthCheck(check);
    for (int i = 0; i < endpoints; i++) {
      // 127.0.1.0 upwards: every one its own destination, so its own keep-alive connection.
      cluster.addEndpoints(
          Endpoint.newBuilder()
              .setHost("127.0." + (1 + i / 250) + "." + (1 + i % 250))
              .setPort(port));
    }
    Runtime runtime =
        new RuntimeCompiler()
            .compile(ConfigSnapshot.newBuilder().setRevision(1).addClusters(cluster).build());

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (HealthChecker checker = HealthChecker.start()) {
      checker.update(runtime);
      pause(5); // warm-up: first checks spread over one interval, connections opened, JIT
      long checksBefore = answered.get();
      long processBefore = os.getProcessCpuTime();
      long checkerBefore = checkerCpuNanos(threads);
      long wallBefore = System.nanoTime();
      pause(seconds);
      double wall = (System.nanoTime() - wallBefore) / 1e9;
      double process = (os.getProcessCpuTime() - processBefore) / 1e9 / wall;
      double own = (checkerCpuNanos(threads) - checkerBefore) / 1e9 / wall;
      System.out.printf(
          Locale.ROOT,
          "%d endpoints, %s checks at 1 s: %.0f checks/s answered; checker threads %.3f CPU s per"
              + " wall s; whole process (with the backend) %.3f CPU s per wall s, %d cores%n",
          endpoints,
          http ? "HTTP" : "TCP",
          (answered.get() - checksBefore) / wall,
          own,
          process,
          java.lang.Runtime.getRuntime().availableProcessors());
    } finally {
      backend.stop(0);
      System.exit(0);
    }
  }

  /** CPU time of the threads named concierge-health*: the timer, the selector and the h2c pool. */
  private static long checkerCpuNanos(ThreadMXBean threads) {
    long total = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("concierge-health")) {
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        total += Math.max(0, cpu);
      }
    }
    return total;
  }

  private static void pause(int seconds) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }
}
