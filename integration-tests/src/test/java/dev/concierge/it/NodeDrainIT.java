package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a node that runs as its own process (the real {@code concierge data-plane} command),
 * under load with slow requests in flight: nothing in flight is lost, {@code /ready} goes 503 at
 * once, new connections are refused, a keep-alive connection's next response says {@code
 * Connection: close}, and the process exits 0.
 */
class NodeDrainIT {
  private static final Duration SLOW = Duration.ofSeconds(4);
  private static final int SLOW_REQUESTS = 4;
  private static final Pattern PORTS =
      Pattern.compile("proxy on 127\\.0\\.0\\.1:(\\d+), admin on 127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path dataDir;
  private Fleet fleet;
  private HttpServer backend;
  private final AtomicInteger slowArrived = new AtomicInteger();
  private Process node;
  private final List<String> printed = new CopyOnWriteArrayList<>();
  private int proxyPort;
  private int adminPort;

  @BeforeEach
  void setUp() throws Exception {
    fleet = Fleet.start(dataDir, 0);
    backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    backend.createContext(
        "/",
        exchange -> {
          if (exchange.getRequestURI().getPath().startsWith("/slow")) {
            slowArrived.incrementAndGet();
            // A slow backend, not a test waiting: this answer takes that long.
            LockSupport.parkNanos(SLOW.toNanos());
          }
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (var out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    backend.setExecutor(Executors.newFixedThreadPool(16));
    backend.start();
    fleet.createCluster("app", backend.getAddress().getPort());
    fleet.createRoute("app", "/", "app");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    backend.stop(0);
    ((ExecutorService) backend.getExecutor()).shutdownNow();
    fleet.close();
  }

  /** Starts {@code concierge data-plane} in a JVM of its own and reads its ports from its log. */
  private void startNode() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    node =
        new ProcessBuilder(
                java,
                "-Xmx128m",
                "-XX:+UseSerialGC",
                // The CLI's own logging (INFO on stderr), not this module's test logging.
                "-Dlogback.configurationFile=logback.xml",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.concierge.cli.Main",
                "data-plane",
                "--control-plane",
                fleet.controlPlaneAddress(),
                "--join-token",
                fleet.joinToken(),
                "--ca-file",
                fleet.caFile().toString(),
                "--node-id",
                "drain-node",
                "--bind",
                "127.0.0.1",
                "--http-port",
                "0",
                "--https-port",
                "0",
                "--admin-port",
                "0",
                "--drain-timeout",
                "20s")
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    Thread reader =
        new Thread(
            () -> {
              try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  printed.add(line);
                }
              } catch (IOException e) {
                // the process is gone
              }
            },
            "drain-node-output");
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> printed.stream().anyMatch(l -> PORTS.matcher(l).find()));
    Matcher m =
        printed.stream().map(PORTS::matcher).filter(Matcher::find).findFirst().orElseThrow();
    proxyPort = Integer.parseInt(m.group(1));
    adminPort = Integer.parseInt(m.group(2));
  }

  @Test
  void sigtermUnderLoadFinishesEveryRequestInFlightAndExitsZero() throws Exception {
    startNode();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Http.bodyOrStatus(adminPort, "/ready").equals("ready\n"));
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Http.bodyOrStatus(proxyPort, "/fast").equals("ok"));

    // Load: client threads in a bounded loop of fast GETs on keep-alive connections.
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    ExecutorService clients = Executors.newFixedThreadPool(4);
    List<Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      loops.add(
          clients.submit(
              () -> {
                HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                for (int i = 0; i < 100_000 && !stop.get(); i++) {
                  try {
                    statuses.add(
                        client
                            .send(
                                HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + proxyPort + "/fast"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                                HttpResponse.BodyHandlers.ofString())
                            .statusCode());
                  } catch (IOException e) {
                    return; // the node no longer takes connections: this client is done
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  }
                }
              }));
    }
    // Slow requests in flight: three on the shared client, one on a keep-alive socket of its own.
    List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
    for (int i = 0; i < SLOW_REQUESTS - 1; i++) {
      slow.add(Http.sendAsync(Http.request(proxyPort, "/slow/" + i)));
    }
    Socket keepAlive = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
    keepAlive.setSoTimeout(30_000);
    keepAlive
        .getOutputStream()
        .write(
            "GET /slow/keep-alive HTTP/1.1\r\nHost: app\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> slowArrived.get() == SLOW_REQUESTS);
    // The load clients' first answers may come after the slow requests arrived (each client is
    // new); SIGTERM only once the load is flowing.
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> !statuses.isEmpty());

    node.destroy(); // SIGTERM

    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> Http.bodyOrStatus(adminPort, "/ready").equals("status 503"));
    assertThat(slow).as("still in flight when /ready went 503").noneMatch(Future::isDone);
    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> refusesConnections(proxyPort));

    for (CompletableFuture<HttpResponse<String>> f : slow) {
      HttpResponse<String> response = f.get(20, TimeUnit.SECONDS);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("ok");
    }
    String answer = readUntilClosed(keepAlive.getInputStream());
    keepAlive.close();
    assertThat(answer).startsWith("HTTP/1.1 200");
    assertThat(answer.toLowerCase(Locale.ROOT)).contains("\r\nconnection: close\r\n");
    assertThat(answer).endsWith("\r\n\r\nok");

    assertThat(node.waitFor(20, TimeUnit.SECONDS)).as("the node exits after draining").isTrue();
    assertThat(node.exitValue()).as(String.join("\n", printed)).isZero();
    stop.set(true);
    clients.shutdown();
    assertThat(clients.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    for (Future<?> loop : loops) {
      loop.get();
    }
    // Every request the node answered, before and during the drain, was served: no 503 or 502.
    assertThat(statuses).isNotEmpty().allMatch(status -> status == 200);
  }

  private static boolean refusesConnections(int port) {
    try {
      new Socket(InetAddress.getLoopbackAddress(), port).close();
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        bytes.write(buffer, 0, n);
      }
    } catch (SocketException e) {
      // closed under us after the answer: keep what came
    }
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }
}
