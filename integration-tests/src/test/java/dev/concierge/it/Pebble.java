package dev.concierge.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local ACME test server: Debian's {@code pebble} with {@code pebble-challtestsrv} as its DNS
 * (every name is 127.0.0.1, no AAAA), all on 127.0.0.1. Uses {@code pebble} from the PATH, else
 * fetches the Debian package into {@code target/pebble} ({@code apt-get download}, no root needed)
 * and unpacks it there. Validation is real (no PEBBLE_VA_ALWAYS_VALID) and immediate
 * (PEBBLE_VA_NOSLEEP), and no nonce is refused at random.
 */
final class Pebble implements AutoCloseable {
  private static final Path HOME = Path.of("target", "pebble").toAbsolutePath();

  private final List<Process> processes = new ArrayList<>();
  private final int port;
  private final int dnsPort;
  private final int managementPort;

  private Pebble(int port, int dnsPort, int managementPort) {
    this.port = port;
    this.dnsPort = dnsPort;
    this.managementPort = managementPort;
  }

  /** A free port on 127.0.0.1 now, for a server that binds it soon. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts pebble on {@code port} with its HTTPS certificate from {@code pki}, validating HTTP-01
   * on {@code httpPort} (a node's plain HTTP port).
   */
  static Pebble start(int port, TestPki pki, int httpPort) throws Exception {
    Pebble pebble = new Pebble(port, freePort(), freePort());
    try {
      pebble.startAll(pki, httpPort);
    } catch (Exception | Error e) {
      pebble.close();
      throw e;
    }
    return pebble;
  }

  private void startAll(TestPki pki, int httpPort) throws Exception {
    Path bin = DebianBinaries.of("pebble", "pebble", "pebble-challtestsrv");
    Files.createDirectories(HOME);
    TestPki.Issued tls = pki.issue("pebble", true, "127.0.0.1", "localhost");
    Path cert = HOME.resolve("pebble-" + port + ".crt");
    Path key = HOME.resolve("pebble-" + port + ".key");
    Files.writeString(cert, tls.chainPem());
    Files.writeString(key, tls.keyPem());
    Path config = HOME.resolve("pebble-" + port + ".json");
    Files.writeString(
        config,
        "{\"pebble\": {"
            + "\"listenAddress\": \"127.0.0.1:"
            + port
            + "\", \"managementListenAddress\": \"127.0.0.1:"
            + freePort()
            + "\", \"certificate\": \""
            + cert
            + "\", \"privateKey\": \""
            + key
            + "\", \"httpPort\": "
            + httpPort
            + ", \"tlsPort\": "
            + freePort()
            + ", \"ocspResponderURL\": \"\", \"externalAccountBindingRequired\": false}}");
    Process dns =
        launch(
            "challtestsrv",
            List.of(
                bin.resolve("pebble-challtestsrv").toString(),
                "-defaultIPv4",
                "127.0.0.1",
                "-defaultIPv6",
                "",
                "-dns01",
                "127.0.0.1:" + dnsPort,
                "-http01",
                "",
                "-https01",
                "",
                "-tlsalpn01",
                "",
                "-management",
                "127.0.0.1:" + managementPort));
    processes.add(dns);
    awaitListening(managementPort);
    ProcessBuilder pebble =
        new ProcessBuilder(
            bin.resolve("pebble").toString(),
            "-config",
            config.toString(),
            "-dnsserver",
            "127.0.0.1:" + dnsPort);
    pebble.environment().put("PEBBLE_VA_NOSLEEP", "1");
    pebble.environment().put("PEBBLE_WFE_NONCEREJECT", "0");
    processes.add(launch("pebble", pebble));
    awaitListening(port);
  }

  /** The ACME directory URL. */
  URI directory() {
    return URI.create("https://127.0.0.1:" + port + "/dir");
  }

  /** Points {@code host} at {@code address} in pebble's DNS (instead of 127.0.0.1). */
  void addARecord(String host, String address) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection)
            URI.create("http://127.0.0.1:" + managementPort + "/add-a").toURL().openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.getOutputStream()
        .write(
            ("{\"host\":\"" + host + ".\",\"addresses\":[\"" + address + "\"]}")
                .getBytes(StandardCharsets.UTF_8));
    if (c.getResponseCode() != 200) {
      throw new IOException("challtestsrv add-a answered " + c.getResponseCode());
    }
  }

  private Process launch(String name, List<String> command) throws IOException {
    return launch(name, new ProcessBuilder(command));
  }

  private Process launch(String name, ProcessBuilder builder) throws IOException {
    Path log = HOME.resolve(name + "-" + port + ".log");
    return builder
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
        .start();
  }

  static void awaitListening(int port) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
                return true;
              }
            });
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
