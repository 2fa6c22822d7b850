package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.Route;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streamed routes relay bodies of any size intact; buffered and limited ones refuse large ones. */
class StreamingUploadIT {
  private static final long MIB = 1024 * 1024;
  private static final long SEED = 20_240_607L;

  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("uploads");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("uploads", backend);
    fleet.createRoute("upload", withBody(Fleet.routeTo("/upload", "uploads"), 0));
    fleet.createRoute("buffered", "/buffered", "uploads");
    fleet.createRoute("limited", withBody(Fleet.routeTo("/limited", "uploads"), MIB));
    fleet.awaitSynced();
    port = fleet.nodes().get(0).httpPort();
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backend.close();
  }

  private static Route withBody(Route route, long maxBytes) {
    return route.toBuilder()
        .setRequestBody(
            RequestBodyPolicy.newBuilder()
                .setMode(RequestBodyPolicy.Mode.STREAM)
                .setMaxBytes(maxBytes))
        .build();
  }

  /** A POST of {@code length} pseudo-random bytes with a Content-Length, generated as sent. */
  private HttpResponse<String> post(String path, long length) {
    return Http.send(
        Http.request(port, path)
            .POST(
                HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> Bodies.pseudoRandom(SEED, length)),
                    length)),
        Duration.ofSeconds(30));
  }

  /**
   * As {@link #post}, but reading the answer while the body is sent: java.net.http gives up on an
   * exchange when the node stops reading the body, before it looks for the answer.
   */
  private Http.RawResponse postReadingAsSending(String path, long length) {
    return Http.raw(
        port,
        "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        Bodies.pseudoRandom(SEED, length),
        length);
  }

  @Test
  void streamsA50MibBodyIntactToTheBackend() {
    long length = 50 * MIB;
    String sha256 = Bodies.sha256Hex(Bodies.pseudoRandom(SEED, length));

    HttpResponse<String> response = post("/upload", length);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("uploads");
    assertThat(response.headers().firstValue("X-Body-Bytes")).contains(Long.toString(length));
    assertThat(response.headers().firstValue("X-Body-Sha256")).contains(sha256);
  }

  @Test
  void buffersABodyUpToTheNodeLimitAndRefusesA2MibOne() {
    long length = MIB / 2;
    HttpResponse<String> accepted = post("/buffered", length);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.headers().firstValue("X-Body-Sha256"))
        .contains(Bodies.sha256Hex(Bodies.pseudoRandom(SEED, length)));

    Http.RawResponse response = postReadingAsSending("/buffered", 2 * MIB);

    assertThat(response.status()).as(response.body()).isEqualTo(413);
    assertThat(response.body()).startsWith("request body too large\n");
    assertThat(backend.requests()).isEqualTo(1);
  }

  @Test
  void refusesA2MibBodyOnAStreamedRouteWithALimit() {
    Http.RawResponse response = postReadingAsSending("/limited", 2 * MIB);

    assertThat(response.status()).as(response.body()).isEqualTo(413);
    assertThat(response.body()).startsWith("request body too large\n");
    assertThat(backend.requests()).isZero();
  }
}
