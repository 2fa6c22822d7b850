package dev.concierge.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend in a JVM of its own, so that a test can SIGKILL it mid-traffic.
 *
 * <p>The child ({@link #main}) serves HTTP/1.1 with keep-alive on 127.0.0.1:0 and prints {@code
 * port N} first. It answers {@code GET /posts} with the number of POST requests it has received,
 * {@code POST /hang} by reading the whole body, printing {@code got-post} and never answering, and
 * everything else with 200 and its name. It writes each answer, head and body, with one write call:
 * a SIGKILL then finds an answer either wholly sent or not at all, never a head without its body
 * (which no proxy could hide from its client). The JDK's HttpServer flushes the head on its own, so
 * it is not used here.
 *
 * <p>The test side ({@link #start}) runs that JVM and reads what it prints.
 */
final class BackendProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackendProcess.class);
  private static final int MAX_HEADER_LINES = 100;

  private final String name;
  private final Process process;
  private final List<String> printed = new CopyOnWriteArrayList<>();
  private final int port;

  private BackendProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    // The JVM may say something on stderr (merged here) before the child prints its port.
    String first = readLine(out);
    for (int i = 0; i < MAX_HEADER_LINES && first != null && !first.startsWith("port "); i++) {
      LOG.info("{}: {}", name, first);
      first = readLine(out);
    }
    if (first == null || !first.startsWith("port ")) {
      process.destroyForcibly();
      throw new IllegalStateException(name + " did not print its port but: " + first);
    }
    this.port = Integer.parseInt(first.substring("port ".length()));
    Thread reader =
        new Thread(
            () -> {
              for (String line = readLine(out); line != null; line = readLine(out)) {
                LOG.debug("{}: {}", name, line);
                printed.add(line);
              }
            },
            "backend-process-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts one backend JVM per name, all at once, and returns once every one listens. */
  static List<BackendProcess> start(String... names) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> processes = new ArrayList<>();
    List<BackendProcess> started = new ArrayList<>();
    try {
      for (String name : names) {
        processes.add(
            new ProcessBuilder(
                    java,
                    "-Xmx64m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    System.getProperty("java.class.path"),
                    BackendProcess.class.getName(),
                    name)
                .redirectErrorStream(true)
                .start());
      }
      for (int i = 0; i < names.length; i++) {
        started.add(new BackendProcess(names[i], processes.get(i)));
      }
      return started;
    } catch (IOException | RuntimeException e) {
      processes.forEach(Process::destroyForcibly);
      throw e;
    }
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (IOException e) {
      return null; // the process is gone
    }
  }

  String name() {
    return name;
  }

  int port() {
    return port;
  }

  /** Waits until the process has printed {@code line}. */
  void awaitPrinted(String line) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> printed.contains(line));
  }

  /** The number of POST requests the backend has received, asked of it directly. */
  int posts() {
    return Integer.parseInt(Http.get(port, "/posts").body());
  }

  /** SIGKILL (on Linux): no shutdown hooks, the kernel closes the sockets. */
  void kill() {
    process.destroyForcibly();
  }

  /** Whether the process has ended, waiting for that up to {@code timeout}. */
  boolean ended(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the child JVM ----

  /** Serves until killed; args: the backend's name. */
  public static void main(String[] args) throws IOException {
    String name = args[0];
    AtomicInteger posts = new AtomicInteger();
    ExecutorService connections =
        Executors.newCachedThreadPool(
            runnable -> {
              Thread thread = new Thread(runnable, "connection");
              thread.setDaemon(true);
              return thread;
            });
    try (ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress())) {
      System.out.println("port " + server.getLocalPort());
      System.out.flush();
      while (!server.isClosed()) {
        Socket socket = server.accept();
        connections.execute(() -> serve(socket, name, posts));
      }
    }
  }

  private static void serve(Socket socket, String name, AtomicInteger posts) {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      // One request after the other until the client's EOF or "Connection: close".
      for (String requestLine = line(in); requestLine != null; requestLine = line(in)) {
        String[] parts = requestLine.split(" ", -1);
        String method = parts[0];
        String path = parts.length > 1 ? parts[1] : "";
        long contentLength = 0;
        boolean close = false;
        for (int i = 0; i < MAX_HEADER_LINES; i++) {
          String header = line(in);
          if (header == null) {
            return;
          }
          if (header.isEmpty()) {
            break;
          }
          int colon = header.indexOf(':');
          String field = header.substring(0, Math.max(colon, 0)).trim().toLowerCase(Locale.ROOT);
          String value = header.substring(colon + 1).trim();
          if (field.equals("content-length")) {
            contentLength = Long.parseLong(value);
          } else if (field.equals("connection") && value.equalsIgnoreCase("close")) {
            close = true;
          } else if (field.equals("transfer-encoding")) {
            write(out, 501, "chunked bodies are not supported here", false);
            return;
          }
        }
        if (method.equals("POST")) {
          posts.incrementAndGet();
        }
        in.skipNBytes(contentLength);
        if (method.equals("POST") && path.equals("/hang")) {
          System.out.println("got-post");
          System.out.flush();
          new CountDownLatch(1).await();
        }
        String body = method.equals("GET") && path.equals("/posts") ? posts.toString() : name;
        write(out, 200, body, method.equals("HEAD"));
        if (close) {
          return;
        }
      }
    } catch (IOException e) {
      // The client went away.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The whole answer in one write call. */
  private static void write(OutputStream out, int status, String body, boolean head)
      throws IOException {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    answer.writeBytes(
        ("HTTP/1.1 "
                + status
                + " X\r\nContent-Type: text/plain\r\nContent-Length: "
                + content.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    if (!head) {
      answer.writeBytes(content);
    }
    out.write(answer.toByteArray());
    out.flush();
  }

  /** One CRLF- or LF-terminated line, or null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return line.length() == 0 ? null : line.toString();
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
