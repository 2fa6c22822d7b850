package dev.concierge.dataplane.buffering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.server.RawClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The buffering stage in front of a handler that reports what it was given. */
class RequestBodyBufferingHandlerTest {
  @TempDir Path spillDir;

  private final AtomicInteger handled = new AtomicInteger();
  private final ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
  private Server server;
  private int port;

  @AfterEach
  void stop() throws Exception {
    trickler.shutdownNow();
    if (server != null) {
      server.stop();
    }
  }

  private AdmissionPolicy policy() {
    return AdmissionPolicy.defaults().withSpillDirectory(spillDir);
  }

  private void start(AdmissionPolicy policy, long idleTimeoutMillis) throws Exception {
    start(policy, idleTimeoutMillis, new Reporter());
  }

  private void start(AdmissionPolicy policy, long idleTimeoutMillis, Handler next)
      throws Exception {
    server = new Server();
    ServerConnector connector =
        new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration()));
    connector.setHost("127.0.0.1");
    connector.setIdleTimeout(idleTimeoutMillis);
    server.addConnector(connector);
    server.setHandler(new RequestBodyBufferingHandler(policy, next));
    server.start();
    port = connector.getLocalPort();
  }

  /**
   * Reads the body three times (request, request after rewind, a new source of the attribute) and
   * answers with what it saw, one {@code key=value} per line.
   */
  private final class Reporter extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      handled.incrementAndGet();
      BufferedBody body = BufferedBody.of(request);
      if (body == null) {
        response.write(
            true, ByteBuffer.wrap("no body\n".getBytes(StandardCharsets.UTF_8)), callback);
        return true;
      }
      byte[] first = bytes(Content.Source.asByteBuffer(request));
      boolean rewound = request.rewind();
      byte[] second = bytes(Content.Source.asByteBuffer(request));
      byte[] third = bytes(Content.Source.asByteBuffer(body.newSource()));
      List<Path> files;
      try (Stream<Path> list = Files.list(spillDir)) {
        files = list.toList();
      }
      String perms =
          files.size() == 1
              ? PosixFilePermissions.toString(Files.getPosixFilePermissions(files.get(0)))
              : "-";
      String report =
          String.join(
              "\n",
              "length=" + request.getLength(),
              "content-length=" + request.getHeaders().get(HttpHeader.CONTENT_LENGTH),
              "transfer-encoding=" + request.getHeaders().get(HttpHeader.TRANSFER_ENCODING),
              "spilled=" + body.isSpilled(),
              "files=" + files.size(),
              "perms=" + perms,
              "rewound=" + rewound,
              "replays-equal="
                  + (java.util.Arrays.equals(first, second)
                      && java.util.Arrays.equals(first, third)),
              "sha256=" + sha256(first),
              "");
      response.write(true, ByteBuffer.wrap(report.getBytes(StandardCharsets.UTF_8)), callback);
      return true;
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new Random(n).nextBytes(bytes);
    return bytes;
  }

  private static String post(String path, String headers) {
    return "POST " + path + " HTTP/1.1\r\nHost: test\r\n" + headers + "\r\n";
  }

  @Test
  void buffersSmallBodyInMemoryAndReplaysItWithExactLength() throws Exception {
    start(policy(), 30_000);
    try (RawClient client = RawClient.connect(port)) {
      client.send(post("/small", "Content-Length: 11\r\n") + "hello world");
      RawClient.Response response = client.readResponse();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.text())
          .contains(
              "length=11\n",
              "content-length=11\n",
              "transfer-encoding=null\n",
              "spilled=false\n",
              "files=0\n",
              "rewound=true\n",
              "replays-equal=true\n",
              "sha256=" + sha256("hello world".getBytes(StandardCharsets.UTF_8)));
    }
  }

  @Test
  void reframesChunkedBodyWithContentLength() throws Exception {
    start(policy(), 30_000);
    try (RawClient client = RawClient.connect(port)) {
      client.send(post("/chunked", "Transfer-Encoding: chunked\r\n"));
      client.send("6\r\nhello \r\n");
      client.send("5\r\nworld\r\n0\r\n\r\n");
      RawClient.Response response = client.readResponse();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.text())
          .contains(
              "length=11\n",
              "content-length=11\n",
              "transfer-encoding=null\n",
              "spilled=false\n",
              "replays-equal=true\n",
              "sha256=" + sha256("hello world".getBytes(StandardCharsets.UTF_8)));
      // The connection stays usable for the next request.
      client.send("GET /after HTTP/1.1\r\nHost: test\r\n\r\n");
      assertThat(client.readResponse().status()).isEqualTo(200);
    }
  }

  @Test
  void spillsBodyAboveMemoryLimitToPrivateFileDeletedOnCompletion() throws Exception {
    start(policy().withMemoryLimit(1024), 30_000);
    byte[] body = randomBytes(100 * 1024);
    try (RawClient client = RawClient.connect(port)) {
      client.send(post("/large", "Content-Length: " + body.length + "\r\n"));
      client.send(body);
      RawClient.Response response = client.readResponse();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.text())
          .contains(
              "length=" + body.length + "\n",
              "spilled=true\n",
              "files=1\n",
              "perms=rw-------\n",
              "replays-equal=true\n",
              "sha256=" + sha256(body));
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              try (Stream<Path> list = Files.list(spillDir)) {
                return list.findAny().isEmpty();
              }
            });
  }

  @Test
  void spillsChunkedBodyOfUnknownSize() throws Exception {
    start(policy().withMemoryLimit(1024), 30_000);
    byte[] body = randomBytes(50_000);
    try (RawClient client = RawClient.connect(port)) {
      client.send(post("/chunked-large", "Transfer-Encoding: chunked\r\n"));
      for (int at = 0; at < body.length; at += 7000) {
        int n = Math.min(7000, body.length - at);
        client.send(Integer.toHexString(n) + "\r\n");
        client.send(java.util.Arrays.copyOfRange(body, at, at + n));
        client.send("\r\n");
      }
      client.send("0\r\n\r\n");
      RawClient.Response response = client.readResponse();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.text())
          .contains(
              "length=" + body.length + "\n",
              "content-length=" + body.length + "\n",
              "transfer-encoding=null\n",
              "spilled=true\n",
              "replays-equal=true\n",
              "sha256=" + sha256(body));
    }
  }

  @Test
  void closesAndDeletesSpilledBodyThatTheNextStageReadOnlyInPart() throws Exception {
    AtomicInteger fileChunkBytes = new AtomicInteger();
    Handler partial =
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            Content.Chunk chunk = request.read();
            fileChunkBytes.set(chunk == null ? -1 : chunk.remaining());
            if (chunk != null) {
              chunk.release();
            }
            response.write(
                true, ByteBuffer.wrap("partial".getBytes(StandardCharsets.UTF_8)), callback);
            return true;
          }
        };
    start(policy().withMemoryLimit(1024), 30_000, partial);
    byte[] body = randomBytes(100 * 1024);
    try (RawClient client = RawClient.connect(port)) {
      client.send(post("/partial", "Content-Length: " + body.length + "\r\n"));
      client.send(body);
      assertThat(client.readResponse().text()).isEqualTo("partial");
    }
    assertThat(fileChunkBytes.get()).isBetween(1, body.length - 1);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              try (Stream<Path> list = Files.list(spillDir)) {
                return list.findAny().isEmpty();
              }
            });
    // And no descriptor is left open on the (deleted) file, where Linux lets us look.
    Path fds = Path.of("/proc/self/fd");
    if (Files.isDirectory(fds)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> openFilesUnder(fds, spillDir) == 0);
    }
  }

  private static long openFilesUnder(Path fds, Path dir) throws IOException {
    try (Stream<Path> list = Files.list(fds)) {
      return list.filter(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).toString().startsWith(dir.toString());
                } catch (IOException e) {
                  return false;
                }
              })
          .count();
    }
  }

  @Test
  void answers413WhenContentLengthExceedsMaximum() throws Exception {
    start(policy().withMaxBodySize(1000), 30_000);
    try (RawClient client = RawClient.connect(port)) {
      client.send(post("/big", "Content-Length: 5000\r\n"));
      RawClient.Response response = client.readResponse();
      assertThat(response.status()).isEqualTo(413);
      assertThat(response.text()).startsWith("request body too large\nrequest-id: ");
      assertThat(response.headers()).containsEntry("connection", "close");
      assertThat(client.awaitClosedByPeer()).isTrue();
    }
    assertThat(handled).hasValue(0);
  }

  @Test
  void answers413WhenBytesReadExceedMaximum() throws Exception {
    start(policy().withMaxBodySize(1000), 30_000);
    try (RawClient client = RawClient.connect(port)) {
      client.send(post("/big", "Transfer-Encoding: chunked\r\n"));
      client.send("3e8\r\n" + "a".repeat(1000) + "\r\n");
      client.send("1\r\nb\r\n");
      RawClient.Response response = client.readResponse();
      assertThat(response.status()).isEqualTo(413);
      assertThat(response.text()).startsWith("request body too large\nrequest-id: ");
    }
    assertThat(handled).hasValue(0);
  }

  @Test
  void answers408WhenBodyTricklesPastTotalDeadline() throws Exception {
    // Every byte comes well within the 1 s idle timeout; the whole body cannot make it in 700 ms.
    start(policy().withBodyTimeout(Duration.ofMillis(700)), 1_000);
    try (RawClient client = RawClient.connect(port)) {
      client.send(post("/trickle", "Content-Length: 100\r\n"));
      AtomicInteger sent = new AtomicInteger();
      ScheduledFuture<?> trickle =
          trickler.scheduleAtFixedRate(
              () -> {
                try {
                  if (sent.incrementAndGet() <= 100) {
                    client.send("x");
                  }
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              },
              0,
              100,
              TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      RawClient.Response response = client.readResponse();
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      trickle.cancel(false);
      assertThat(response.status()).isEqualTo(408);
      assertThat(response.text()).startsWith("request body timed out\nrequest-id: ");
      assertThat(response.headers()).containsEntry("connection", "close");
      assertThat(elapsedMillis).isBetween(600L, 5_000L);
      assertThat(sent.get()).isLessThan(100);
      assertThat(client.awaitClosedByPeer()).isTrue();
    }
    assertThat(handled).hasValue(0);
  }

  @Test
  void passesRequestsWithoutBodyStraightOn() throws Exception {
    Handler passthrough =
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            // Only the context the stage gives a request outside the chain wraps it, no body
            // replay.
            boolean same =
                BufferedBody.of(request) == null
                    && (!(request instanceof Request.Wrapper) || request instanceof RequestContext);
            response.write(
                true,
                ByteBuffer.wrap(("unwrapped=" + same).getBytes(StandardCharsets.UTF_8)),
                callback);
            return true;
          }
        };
    start(policy(), 30_000, passthrough);
    try (RawClient client = RawClient.connect(port)) {
      client.send("GET /plain HTTP/1.1\r\nHost: test\r\n\r\n");
      assertThat(client.readResponse().text()).isEqualTo("unwrapped=true");
      client.send(post("/empty", "Content-Length: 0\r\n"));
      assertThat(client.readResponse().text()).isEqualTo("unwrapped=true");
    }
  }
}
