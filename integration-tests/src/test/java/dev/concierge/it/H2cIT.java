package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.RequestBodyPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients speak h2c to a node's plain port (by HTTP/1.1 Upgrade and by prior knowledge) and their
 * requests, bodies without content-length included, reach an HTTP/1.1 backend on the lean carrier.
 */
class H2cIT {
  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;
  private int port;
  private org.eclipse.jetty.client.HttpClient h2;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("web");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("web", backend);
    fleet.createRoute("buffered", "/buffered", "web");
    fleet.createRoute(
        "streamed",
        Fleet.routeTo("/streamed", "web").toBuilder()
            .setRequestBody(RequestBodyPolicy.newBuilder().setMode(RequestBodyPolicy.Mode.STREAM))
            .build());
    fleet.awaitSynced();
    port = fleet.nodes().get(0).httpPort();
    h2 =
        new org.eclipse.jetty.client.HttpClient(
            new HttpClientTransportOverHTTP2(new HTTP2Client()));
    h2.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    h2.stop();
    fleet.close();
    backend.close();
  }

  @Test
  void upgradesToH2cAndProxiesTheRequest() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/buffered/x"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("web");
    assertThat(backend.lastRequestHeaders().getFirst("Via"))
        .isEqualTo("2 concierge"); // the upgrade request is served as h2 stream 1
  }

  @Test
  void proxiesAPriorKnowledgeGetWithoutABody() throws Exception {
    ContentResponse response =
        h2.newRequest("127.0.0.1", port).path("/streamed/get").timeout(10, TimeUnit.SECONDS).send();

    assertThat(response.getVersion()).isEqualTo(HttpVersion.HTTP_2);
    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(response.getHeaders().get("X-Body-Bytes")).isEqualTo("0");
    assertThat(backend.lastRequestHeaders().getFirst("Via")).isEqualTo("2 concierge");
    assertThat(backend.lastRequestHeaders().containsKey("Transfer-Encoding")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/buffered/post", "/streamed/post"})
  void relaysABodyWithoutContentLength(String path) throws Exception {
    byte[] part = "0123456789".repeat(1000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    AsyncRequestContent body = new AsyncRequestContent();
    var pending =
        new org.eclipse.jetty.client.CompletableResponseListener(
                h2.newRequest("127.0.0.1", port)
                    .method("POST")
                    .path(path)
                    .body(body)
                    .timeout(10, TimeUnit.SECONDS))
            .send();
    for (int i = 0; i < 3; i++) {
      body.write(ByteBuffer.wrap(part), org.eclipse.jetty.util.Callback.NOOP);
    }
    body.close();

    ContentResponse response = pending.get(10, TimeUnit.SECONDS);

    assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
    assertThat(response.getHeaders().get("X-Body-Bytes"))
        .isEqualTo(Integer.toString(3 * part.length));
  }
}
