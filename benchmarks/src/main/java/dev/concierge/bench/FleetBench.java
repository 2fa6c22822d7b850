package dev.concierge.bench;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreateJoinTokenRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.JoinRequest;
import dev.concierge.api.v1.ListNodesRequest;
import dev.concierge.api.v1.ListNodesResponse;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.NodeCertificate;
import dev.concierge.api.v1.NodeEnrollmentGrpc;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.dataplane.config.Backoff;
import dev.concierge.dataplane.config.ControlPlaneChannels;
import dev.concierge.dataplane.identity.IdentityKeyManager;
import dev.concierge.dataplane.identity.NodeIdentity;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Measures config propagation against a real control plane process (the CLI jar), run by {@code
 * bench/fleet.sh}.
 *
 * <p>Fleet mode ({@code --nodes N}): N simulated nodes, each one real StreamConfig stream (many
 * streams share a few channels) that does what {@code ConfigClient} does: first request with the
 * node identity and protocol version, over a connection of its own that presents the client
 * certificate it got by joining with a join token, an ACK (revision + nonce) for every push, and on
 * a broken stream a reconnect after the node's own {@link Backoff}: a wait-for-ready stream per
 * attempt, the channel's connect backoff reset, the attempt abandoned after its window. They ACK at
 * once: a real node compiles first (about a millisecond for a small config), which this leaves out.
 * Then: 20 route writes in a row through the management API, each timed from the write's answer to
 * the last node's ACK of its revision; the control plane's live heap after a full GC; then a kill
 * -9 of the control plane, an outage, a start on the same port and data directory, and the time
 * until every node has ACKed on a new stream.
 *
 * <p>Node mode ({@code --real-node}): one real data-plane node (the same jar) and a local backend;
 * each write is timed from its answer to the first request the node serves on the new route.
 */
public final class FleetBench {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  // Diagnostics of the resync: stream attempts and their failures by status.
  private static final AtomicInteger ATTEMPTS = new AtomicInteger();
  private static final Map<String, Integer> FAILURES = new ConcurrentHashMap<>();
  private static volatile long firstAckNanos;

  private final Path jar;
  private final Path work;
  private final int port;
  private final List<String> cpJavaOpts;
  private @Nullable Process controlPlane;
  private @Nullable String joinToken;

  private FleetBench(Path jar, Path work, int port, List<String> cpJavaOpts) {
    this.jar = jar;
    this.work = work;
    this.port = port;
    this.cpJavaOpts = cpJavaOpts;
  }

  public static void main(String[] args) throws Exception {
    Path jar = null;
    Path work = null;
    int port = 17270;
    int nodes = 0;
    int writes = 20;
    int warmup = 3;
    int outage = 10;
    int perChannel = 1;
    boolean realNode = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--jar" -> jar = Path.of(args[++i]);
        case "--work" -> work = Path.of(args[++i]);
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--nodes" -> nodes = Integer.parseInt(args[++i]);
        case "--writes" -> writes = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--outage-seconds" -> outage = Integer.parseInt(args[++i]);
        case "--streams-per-channel" -> perChannel = Integer.parseInt(args[++i]);
        case "--real-node" -> realNode = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (jar == null || work == null || (nodes <= 0 && !realNode)) {
      throw new IllegalArgumentException(
          "usage: --jar cli.jar --work DIR (--nodes N | --real-node) [--writes 20] [--port P]");
    }
    String opts =
        System.getenv()
            .getOrDefault(
                "CP_JAVA_OPTS",
                // What ./concierge control-plane runs with.
                "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms64m -Xmx1g"
                    + " -XX:+ExitOnOutOfMemoryError -Xss512k");
    FleetBench bench = new FleetBench(jar, work, port, List.of(opts.trim().split("\\s+")));
    Runtime.getRuntime().addShutdownHook(new Thread(bench::stopControlPlane));
    try {
      if (realNode) {
        bench.realNode(writes, warmup);
      } else {
        bench.fleet(nodes, writes, warmup, outage, perChannel);
      }
    } finally {
      bench.stopControlPlane();
    }
    System.exit(0);
  }

  // ---- fleet mode

  private void fleet(int n, int writes, int warmup, int outageSeconds, int perChannel)
      throws Exception {
    startControlPlane();
    ManagementServiceBlockingStub admin = admin();
    long heapBefore = liveHeapBytes();
    if (perChannel != 1) {
      throw new IllegalArgumentException(
          "--streams-per-channel must be 1: a node is known by the client certificate of its"
              + " connection, so each simulated node needs a connection of its own");
    }
    String joinToken =
        admin
            .createJoinToken(
                CreateJoinTokenRequest.newBuilder()
                    .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(3600))
                    .build())
            .getSecret();
    this.joinToken = joinToken;

    // Each simulated node joins as a real one does: its own key, a CSR, the join token.
    int channelCount = n;
    List<ManagedChannel> raw = new ArrayList<>();
    List<Channel> channels = new ArrayList<>();
    ManagedChannel bootstrap = Grpc.newChannelBuilder("127.0.0.1:" + port, tls()).build();
    for (int i = 0; i < channelCount; i++) {
      ManagedChannel c =
          Grpc.newChannelBuilder("127.0.0.1:" + port, joined(bootstrap, simNodeId(i), joinToken))
              .build();
      raw.add(c);
      channels.add(c);
    }
    bootstrap.shutdownNow();
    ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "sim-reconnect");
              t.setDaemon(true);
              return t;
            });
    SimNode[] fleet = new SimNode[n];
    long connectStart = System.nanoTime();
    for (int i = 0; i < n; i++) {
      fleet[i] =
          new SimNode(
              simNodeId(i),
              raw.get(i % channelCount),
              channels.get(i % channelCount),
              scheduler,
              new SplittableRandom(i));
      fleet[i].connect();
    }
    long revision = admin.listNodes(ListNodesRequest.getDefaultInstance()).getRevision();
    awaitAcked(fleet, revision, Duration.ofMinutes(2));
    System.out.printf(
        Locale.ROOT,
        "fleet: %d streams on %d channels connected and ACKed in %d ms%n",
        n,
        channelCount,
        ms(System.nanoTime() - connectStart));

    long r =
        write(
            admin,
            CreateClusterRequest.newBuilder()
                .setClusterId("bench")
                .setCluster(
                    Cluster.newBuilder()
                        .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(9)))
                .build());
    awaitAcked(fleet, r, Duration.ofMinutes(1));

    double[] samples = new double[writes];
    double[] writeMs = new double[writes];
    double[] firstMs = new double[writes];
    for (int i = -warmup; i < writes; i++) {
      String id = i < 0 ? "warm" + -i : String.format(Locale.ROOT, "r%02d", i);
      long start = System.nanoTime();
      Route route = admin.createRoute(routeRequest(id, "/" + id, "bench"));
      long answered = System.nanoTime();
      long rev = Long.parseLong(route.getEtag());
      long lastAck = awaitAcked(fleet, rev, Duration.ofMinutes(1));
      if (i >= 0) {
        samples[i] = Math.max(0, lastAck - answered) / 1e6;
        writeMs[i] = (answered - start) / 1e6;
        firstMs[i] = Math.max(0, firstAckNanos - answered) / 1e6;
      }
    }
    long lastWrite = System.nanoTime();
    long synced = 0;
    while (synced < n && System.nanoTime() - lastWrite < TimeUnit.SECONDS.toNanos(10)) {
      synced = syncedNodes(admin);
    }
    long heapAfter = liveHeapBytes();
    String threads = procStatus("Threads");
    String rss = procStatus("VmRSS");
    System.out.printf(
        Locale.ROOT,
        "fleet: write answered in p50 %.1f ms; first node ACK p50 %.1f ms after the answer;"
            + " ListNodes shows %d of %d SYNCED%n",
        percentile(writeMs, 50),
        percentile(firstMs, 50),
        synced,
        n);
    System.out.printf(
        Locale.ROOT,
        "control plane: live heap %.1f MiB with %d streams, %.1f MiB before any node"
            + " (%.1f KiB per stream), %s threads, RSS %s%n",
        heapAfter / 1048576.0,
        n,
        heapBefore / 1048576.0,
        (heapAfter - heapBefore) / 1024.0 / n,
        threads,
        rss);

    // Outage and restart.
    for (SimNode node : fleet) {
      node.restartSeen = false;
    }
    controlPlane().destroyForcibly().waitFor();
    long killed = System.nanoTime();
    Thread.sleep(outageSeconds * 1000L);
    long launched = System.nanoTime();
    startControlPlaneProcess();
    long listening = awaitListening();
    long cpCpuAtListen = cpuMillis(controlPlane().pid());
    long simCpuAtListen = ownCpuMillis();
    FAILURES.clear();
    ATTEMPTS.set(0);
    while (!allRestarted(fleet)) {
      if (System.nanoTime() - listening > TimeUnit.MINUTES.toNanos(2)) {
        throw new IllegalStateException("nodes did not resync within 2 minutes");
      }
      LockSupport.parkNanos(200_000);
    }
    long resynced = System.nanoTime();
    long cpCpu = cpuMillis(controlPlane().pid()) - cpCpuAtListen;
    long simCpu = ownCpuMillis() - simCpuAtListen;
    System.out.printf(
        Locale.ROOT,
        "restart: control plane killed, down %.1f s, listening %d ms after launch;"
            + " all %d nodes ACKed on new streams %d ms after it listened"
            + " (%d stream attempts since, failures %s; CPU meanwhile: control plane %d ms,"
            + " simulator %d ms)%n",
        (launched - killed) / 1e9,
        ms(listening - launched),
        n,
        ms(resynced - listening),
        ATTEMPTS.get(),
        FAILURES,
        cpCpu,
        simCpu);
    // Where the resync's time goes: when the nodes' ACKs came (after listening), and how long the
    // attempt that got through took from its start (or from listening, if it started before).
    double[] ackAt = new double[n];
    double[] attemptToAck = new double[n];
    for (int i = 0; i < n; i++) {
      ackAt[i] = (fleet[i].restartAckNanos - listening) / 1e6;
      attemptToAck[i] =
          (fleet[i].restartAckNanos - Math.max(listening, fleet[i].restartAttemptNanos)) / 1e6;
    }
    System.out.printf(
        Locale.ROOT,
        "restart: ACKs after listening p10 %.0f, p50 %.0f, p90 %.0f, max %.0f ms;"
            + " the successful attempt's start (or listening) to its ACK p50 %.0f, p90 %.0f,"
            + " max %.0f ms%n",
        percentile(ackAt, 10),
        percentile(ackAt, 50),
        percentile(ackAt, 90),
        percentile(ackAt, 100),
        percentile(attemptToAck, 50),
        percentile(attemptToAck, 90),
        percentile(attemptToAck, 100));

    for (SimNode node : fleet) {
      node.close();
    }
    for (ManagedChannel c : raw) {
      c.shutdownNow();
    }
    scheduler.shutdownNow();
    System.out.printf(
        Locale.ROOT,
        "fleet: %d nodes, p50 %.0f ms, p99 %.0f ms, control plane heap %.0f MiB%n",
        n,
        percentile(samples, 50),
        percentile(samples, 99),
        heapAfter / 1048576.0);
  }

  /**
   * Waits until every node has ACKed the revision; returns the nanoTime of the last ACK (and leaves
   * the first in firstAckNanos).
   */
  private static long awaitAcked(SimNode[] fleet, long revision, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int from = 0;
    while (true) {
      while (from < fleet.length && fleet[from].ackedRevision >= revision) {
        from++;
      }
      if (from == fleet.length) {
        long last = Long.MIN_VALUE;
        long first = Long.MAX_VALUE;
        for (SimNode node : fleet) {
          last = Math.max(last, node.ackNanos);
          first = Math.min(first, node.ackNanos);
        }
        firstAckNanos = first;
        return last;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            fleet[from].id
                + " did not ACK revision "
                + revision
                + " (has "
                + fleet[from].ackedRevision
                + ")");
      }
      LockSupport.parkNanos(100_000);
    }
  }

  /** SYNCED nodes as the control plane's ListNodes shows them, every page. */
  private static long syncedNodes(ManagementServiceBlockingStub admin) {
    long synced = 0;
    String token = "";
    do {
      ListNodesResponse page =
          admin.listNodes(
              ListNodesRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
      synced +=
          page.getNodesList().stream()
              .filter(node -> node.getStatus() == Node.SyncStatus.SYNCED)
              .count();
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return synced;
  }

  private static boolean allRestarted(SimNode[] fleet) {
    for (SimNode node : fleet) {
      if (!node.restartSeen) {
        return false;
      }
    }
    return true;
  }

  private static final Map<ManagedChannel, AtomicLong> NEXT_RESET = new ConcurrentHashMap<>();

  /**
   * What a node does before each attempt (ControlPlaneChannels.resetConnectBackoff), at most every
   * 200 ms per channel: each call also re-resolves the target, and a hundred streams calling it on
   * one channel kept interrupting the very connection attempt they were waiting for.
   */
  private static void resetConnectBackoff(ManagedChannel channel) {
    AtomicLong next = NEXT_RESET.computeIfAbsent(channel, c -> new AtomicLong());
    long now = System.nanoTime();
    long due = next.get();
    if (now - due >= 0 && next.compareAndSet(due, now + 200_000_000L)) {
      channel.resetConnectBackoff();
    }
  }

  /** One simulated node: one stream at a time, answering every push with an ACK at once. */
  private static final class SimNode {
    final String id;
    final ManagedChannel raw;
    final Channel channel;
    final ScheduledExecutorService scheduler;
    final Backoff backoff;
    volatile long ackedRevision = -1;
    volatile long ackNanos;
    volatile boolean restartSeen;
    volatile long restartAckNanos;
    volatile long restartAttemptNanos;
    private boolean closed; // guarded by this
    private @Nullable ClientCallStreamObserver<ConfigRequest> requests; // guarded by this

    SimNode(
        String id,
        ManagedChannel raw,
        Channel channel,
        ScheduledExecutorService scheduler,
        SplittableRandom random) {
      this.id = id;
      this.raw = raw;
      this.channel = channel;
      this.scheduler = scheduler;
      this.backoff = Backoff.defaults(random);
    }

    void connect() {
      Listener listener = new Listener(System.nanoTime());
      Duration window;
      synchronized (this) {
        if (closed) {
          return;
        }
        ATTEMPTS.incrementAndGet();
        resetConnectBackoff(raw);
        ConfigDiscoveryGrpc.newStub(channel).withWaitForReady().streamConfig(listener);
        requireNonNull(requests, "set when the stream starts")
            .onNext(
                ConfigRequest.newBuilder()
                    .setNode(
                        NodeInfo.newBuilder()
                            .setId(id)
                            .setAddress("127.0.0.1:0")
                            .setVersion("fleet-sim")
                            .setProtocolVersion(dev.concierge.api.rules.ConfigProtocol.VERSION))
                    .setRevision(Math.max(0, ackedRevision))
                    .build());
        window = backoff.next();
        if (window.toMillis() < 250) {
          window = Duration.ofMillis(250);
        }
      }
      scheduleLogged(() -> abandonIfNotConnected(listener), window);
    }

    /**
     * As ConfigClient: an attempt that has no connection after its window makes way for the next.
     */
    private void abandonIfNotConnected(Listener listener) {
      synchronized (this) {
        ClientCallStreamObserver<ConfigRequest> current = requests;
        if (closed
            || current == null
            || current != listener.stream
            || listener.answered
            || listener.ended
            || raw.getState(false) == ConnectivityState.READY) {
          return;
        }
        listener.abandoned = true;
        current.cancel("no connection yet", null);
      }
      connect();
    }

    void close() {
      synchronized (this) {
        closed = true;
        ClientCallStreamObserver<ConfigRequest> current = requests;
        if (current != null) {
          current.cancel("bench over", null);
        }
      }
    }

    private void retry() {
      Duration delay;
      synchronized (this) {
        if (closed) {
          return;
        }
        delay = backoff.next();
      }
      scheduleLogged(this::connect, delay);
    }

    /** Runs a reconnect step after the delay; a failure is counted and logged, not lost. */
    private void scheduleLogged(Runnable step, Duration delay) {
      Runnable logged =
          () -> {
            try {
              step.run();
            } catch (RuntimeException e) {
              FAILURES.merge("connect " + e, 1, Integer::sum);
              System.err.println("node " + id + ": could not open a stream: " + e);
            }
          };
      var unused = scheduler.schedule(logged, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private final class Listener implements ClientResponseObserver<ConfigRequest, ConfigResponse> {
      private final long startNanos;
      private @Nullable ClientCallStreamObserver<ConfigRequest> stream;
      // All guarded by SimNode.this.
      private boolean answered;
      private boolean abandoned;
      private boolean ended;

      Listener(long startNanos) {
        this.startNanos = startNanos;
      }

      @Override
      public void beforeStart(ClientCallStreamObserver<ConfigRequest> requestStream) {
        stream = requestStream;
        requests = requestStream;
      }

      @Override
      public void onNext(ConfigResponse response) {
        long revision = response.getSnapshot().getRevision();
        synchronized (SimNode.this) {
          answered = true;
          backoff.reset();
          requireNonNull(stream, "set when the stream starts")
              .onNext(
                  ConfigRequest.newBuilder()
                      .setRevision(revision)
                      .setResponseNonce(response.getNonce())
                      .build());
        }
        ackNanos = System.nanoTime();
        ackedRevision = revision;
        if (!restartSeen) {
          restartAckNanos = ackNanos;
          restartAttemptNanos = startNanos;
        }
        restartSeen = true;
      }

      @Override
      public void onError(Throwable t) {
        synchronized (SimNode.this) {
          if (abandoned) {
            return;
          }
          ended = true;
        }
        Status st = Status.fromThrowable(t);
        FAILURES.merge(st.getCode() + " " + st.getDescription(), 1, Integer::sum);
        retry();
      }

      @Override
      public void onCompleted() {
        synchronized (SimNode.this) {
          ended = true;
        }
        retry();
      }
    }
  }

  // ---- node mode

  private void realNode(int writes, int warmup) throws Exception {
    startControlPlane();
    ManagementServiceBlockingStub admin = admin();
    // The JDK server writes a response's head and body in two segments with Nagle on; the second
    // then waits for the node's delayed ACK (40 ms on Linux) whenever the connection was idle, and
    // that stall, not propagation, was most of each sample. Read once, when the class first loads.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer backend = HttpServer.create(new InetSocketAddress(loopbackV4(), 0), 64);
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    backend.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(200, ok.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(ok);
          }
        });
    backend.setExecutor(Executors.newFixedThreadPool(2));
    backend.start();
    int httpPort = port + 10;
    int adminPort = port + 11;
    List<String> command = new ArrayList<>(List.of("java"));
    command.addAll(
        List.of(
            System.getenv()
                .getOrDefault(
                    "NODE_JAVA_OPTS",
                    "-XX:+UseSerialGC -Xms64m -Xmx1g -XX:+ExitOnOutOfMemoryError -Xss512k")
                .split("\\s+")));
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "data-plane",
            "--control-plane",
            "127.0.0.1:" + port,
            "--join-token",
            requireJoinToken(),
            "--ca-file",
            work.resolve("cp/ca.crt").toString(),
            "--node-id",
            "bench-node",
            "--bind",
            "127.0.0.1",
            "--http-port",
            String.valueOf(httpPort),
            "--admin-port",
            String.valueOf(adminPort)));
    Process node =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("node.log").toFile())
            .start();
    try {
      write(
          admin,
          CreateClusterRequest.newBuilder()
              .setClusterId("origin")
              .setCluster(
                  Cluster.newBuilder()
                      .addEndpoints(
                          Endpoint.newBuilder()
                              .setHost("127.0.0.1")
                              .setPort(backend.getAddress().getPort())))
              .build());
      double[] samples = new double[writes];
      Map<Long, Long> answeredAt = new java.util.HashMap<>(); // revision -> wall-clock ms
      for (int i = -warmup; i < writes; i++) {
        String path = "/w" + (i + warmup);
        Route created = admin.createRoute(routeRequest("w" + (i + warmup), path, "origin"));
        long answered = System.nanoTime();
        if (i >= 0) {
          answeredAt.put(Long.parseLong(created.getEtag()), System.currentTimeMillis());
        }
        URL url = URI.create("http://127.0.0.1:" + httpPort + path).toURL();
        long deadline = answered + TimeUnit.SECONDS.toNanos(60);
        int tries = 0;
        long lastStart = answered;
        while (true) {
          int status;
          tries++;
          lastStart = System.nanoTime();
          try {
            status = get(url);
          } catch (IOException e) {
            status = -1; // the node is still starting
          }
          if (status == 200) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(path + " not served within 60 s (last " + status + ")");
          }
        }
        if (i >= 0) {
          samples[i] = (System.nanoTime() - answered) / 1e6;
          if (System.getenv("VERBOSE") != null) {
            System.out.printf(
                Locale.ROOT,
                "%s %s served %.1f ms after the answer (%d requests, the last took %.1f ms)%n",
                java.time.LocalTime.now(java.time.ZoneId.systemDefault()),
                path,
                samples[i],
                tries,
                (System.nanoTime() - lastStart) / 1e6);
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "node: write acknowledged -> new route served: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
              + " (%d writes)%n",
          percentile(samples, 50),
          percentile(samples, 99),
          percentile(samples, 100),
          writes);
      // The node logs "HH:mm:ss.SSS INFO ... applied configuration revision N" once the new
      // runtime is in force: that splits the figure into propagation and the poll's own latency.
      Pattern applied =
          Pattern.compile(
              "^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*applied configuration revision (\\d+)");
      // The node logs in the system default zone (logback's default), so the dates are read there.
      java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneId.systemDefault());
      List<Double> toApplied = new ArrayList<>();
      for (String line : Files.readAllLines(work.resolve("node.log"))) {
        Matcher m = applied.matcher(line);
        Long answeredMs = m.find() ? answeredAt.get(Long.parseLong(m.group(2))) : null;
        if (answeredMs != null) {
          long at =
              java.time.LocalDateTime.of(today, java.time.LocalTime.parse(m.group(1)))
                  .atZone(java.time.ZoneId.systemDefault())
                  .toInstant()
                  .toEpochMilli();
          toApplied.add((double) (at - answeredMs));
        }
      }
      if (!toApplied.isEmpty()) {
        double[] a = toApplied.stream().mapToDouble(Double::doubleValue).toArray();
        System.out.printf(
            Locale.ROOT,
            "node: write acknowledged -> new runtime in force (node log, ms clock): p50 %.0f ms,"
                + " p99 %.0f ms (%d writes)%n",
            percentile(a, 50),
            percentile(a, 99),
            a.length);
      }
    } finally {
      node.destroy();
      node.waitFor(10, TimeUnit.SECONDS);
      node.destroyForcibly();
      backend.stop(0);
    }
  }

  /**
   * One GET on a kept-alive connection (HttpURLConnection's pool: a blocking call on this thread,
   * which a loaded machine delays less than an asynchronous client's hand-offs between threads).
   */
  private static int get(URL url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    int status = c.getResponseCode();
    try (InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream()) {
      if (body != null) {
        body.readAllBytes(); // read to the end, so the connection is reused
      }
    }
    return status;
  }

  // ---- control plane process

  private void startControlPlane() throws Exception {
    startControlPlaneProcess();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(work.resolve("cp/admin.token"))) {
      if (System.nanoTime() > deadline || !controlPlane().isAlive()) {
        throw new IllegalStateException(
            "control plane did not start; see " + work.resolve("cp.log"));
      }
      LockSupport.parkNanos(20_000_000);
    }
    awaitListening();
  }

  private void startControlPlaneProcess() throws IOException {
    List<String> command = new ArrayList<>(List.of("java"));
    command.addAll(cpJavaOpts);
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "control-plane",
            "--data-dir",
            work.resolve("cp").toString(),
            "--bind",
            "127.0.0.1",
            "--grpc-port",
            String.valueOf(port)));
    controlPlane =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("cp.log").toFile()))
            .start();
  }

  /** Waits until the gRPC port accepts connections; returns the nanoTime it first did. */
  private long awaitListening() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!controlPlane().isAlive()) {
        throw new IllegalStateException("control plane exited; see " + work.resolve("cp.log"));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(loopbackV4(), port), 100);
        return System.nanoTime();
      } catch (IOException notYet) {
        LockSupport.parkNanos(5_000_000);
      }
    }
    throw new IllegalStateException("control plane did not listen within 60 s");
  }

  /** 127.0.0.1, where the control plane binds: no name to resolve. */
  private static InetAddress loopbackV4() throws IOException {
    return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
  }

  /** The control plane's process; only called once it has been started. */
  private Process controlPlane() {
    return requireNonNull(controlPlane, "control plane not started");
  }

  private void stopControlPlane() {
    Process p = controlPlane;
    if (p != null && p.isAlive()) {
      p.destroy();
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private ManagementServiceBlockingStub admin() throws IOException {
    String token = Files.readString(work.resolve("cp/admin.token")).trim();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    // The control plane writes its CA at start; the token file above came first.
    while (!Files.exists(work.resolve("cp/ca.crt")) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(50_000_000);
    }
    ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + port, tls()).build();
    ManagementServiceBlockingStub stub =
        ManagementServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, bearer(token)));
    while (true) {
      try {
        stub.withDeadlineAfter(2, TimeUnit.SECONDS)
            .listNodes(ListNodesRequest.getDefaultInstance());
        return stub;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(50_000_000);
      }
    }
  }

  private static String simNodeId(int i) {
    return String.format(Locale.ROOT, "sim-%05d", i);
  }

  private String requireJoinToken() {
    String token = joinToken;
    if (token == null) {
      throw new IllegalStateException("no join token yet");
    }
    return token;
  }

  /** TLS that presents the client certificate {@code nodeId} gets by joining with the token. */
  private ChannelCredentials joined(ManagedChannel bootstrap, String nodeId, String token) {
    KeyPair pair = NodeIdentity.newKeyPair();
    NodeCertificate cert =
        NodeEnrollmentGrpc.newBlockingStub(bootstrap)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .join(
                JoinRequest.newBuilder()
                    .setJoinToken(token)
                    .setNodeId(nodeId)
                    .setCsr(ByteString.copyFrom(NodeIdentity.csr(pair, nodeId)))
                    .build());
    IdentityKeyManager keys = new IdentityKeyManager(InstantSource.system());
    keys.set(NodeIdentity.of(nodeId, pair.getPrivate(), cert.getCertificateChain()));
    return ControlPlaneChannels.credentials(work.resolve("cp/ca.crt"), keys);
  }

  /** TLS trusting the control plane's own CA, as nodes and the CLI do. */
  private ChannelCredentials tls() throws IOException {
    return TlsChannelCredentials.newBuilder()
        .trustManager(work.resolve("cp/ca.crt").toFile())
        .build();
  }

  /**
   * The control plane's live heap: the "Total" bytes of {@code jcmd PID GC.class_histogram}, which
   * runs a full GC first, so only reachable objects count.
   */
  private long liveHeapBytes() throws Exception {
    Process jcmd =
        new ProcessBuilder("jcmd", String.valueOf(controlPlane().pid()), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    jcmd.waitFor();
    Matcher m = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("no Total in jcmd output: " + out);
    }
    return Long.parseLong(m.group(1));
  }

  /** User + system CPU time of a process, from /proc/PID/stat (clock ticks of 10 ms). */
  private static long cpuMillis(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
  }

  private static long ownCpuMillis() throws IOException {
    return cpuMillis(ProcessHandle.current().pid());
  }

  private String procStatus(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + controlPlane().pid() + "/status"))) {
      if (line.startsWith(field + ":")) {
        return line.substring(field.length() + 1).trim();
      }
    }
    return "?";
  }

  // ---- helpers

  private static CreateRouteRequest routeRequest(String id, String prefix, String cluster) {
    return CreateRouteRequest.newBuilder()
        .setRouteId(id)
        .setRoute(
            Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPathPrefix(prefix))
                .setForward(
                    ForwardAction.newBuilder()
                        .addClusters(
                            WeightedCluster.newBuilder().setCluster("clusters/" + cluster))))
        .build();
  }

  private static long write(ManagementServiceBlockingStub admin, CreateClusterRequest request) {
    return Long.parseLong(admin.createCluster(request).getEtag());
  }

  private static io.grpc.ClientInterceptor bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  /** Nearest-rank percentile. */
  private static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
