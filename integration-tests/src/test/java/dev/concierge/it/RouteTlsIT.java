package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.Hsts;
import dev.concierge.api.v1.RetryPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteTls;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A route's TLS policy: plain HTTP redirected to HTTPS with 308, HSTS only over HTTPS. */
class RouteTlsIT {
  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;
  private int httpPort;
  private int httpsPort;
  private final HttpClient plain =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final HttpClient tls =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .sslContext(TlsProbe.trustAll())
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("web");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("web", backend);
    RouteTls secure =
        RouteTls.newBuilder()
            .setRedirectToHttps(true)
            .setHsts(
                Hsts.newBuilder().setMaxAge(Durations.fromDays(365)).setIncludeSubdomains(true))
            .build();
    fleet.createRoute("secure", Fleet.routeTo("/secure", "web").toBuilder().setTls(secure).build());
    fleet.createRoute(
        "standard",
        Fleet.routeTo("/standard", "web").toBuilder()
            .setTls(RouteTls.newBuilder().setRedirectToHttps(true).setHttpsPort(443))
            .build());
    fleet.createRoute(
        "hsts-only",
        Fleet.routeTo("/hsts-only", "web").toBuilder()
            .setTls(
                RouteTls.newBuilder()
                    .setHsts(Hsts.newBuilder().setMaxAge(Durations.fromSeconds(600))))
            .build());
    fleet.createRoute("plain", "/plain", "web");
    TestPki.Issued fallback = new TestPki("Route TLS CA").issue("node", true, "127.0.0.1");
    fleet
        .api()
        .createCertificate(
            CreateCertificateRequest.newBuilder()
                .setCertificateId("node")
                .setCertificate(
                    Certificate.newBuilder()
                        .setCertificateChain(fallback.chainPem())
                        .setPrivateKey(fallback.keyPem())
                        .setDefaultCertificate(true))
                .build());
    fleet.awaitSynced();
    httpPort = fleet.nodes().get(0).httpPort();
    httpsPort = fleet.nodes().get(0).httpsPort();
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backend.close();
  }

  private HttpResponse<String> send(
      HttpClient client, String scheme, int port, String method, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
            .method(
                method,
                method.equals("GET")
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString("payload"))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void plainHttpIsRedirectedWith308ToTheNodesHttpsPortKeepingPathAndQuery() throws Exception {
    for (String method : new String[] {"GET", "POST"}) {
      HttpResponse<String> response = send(plain, "http", httpPort, method, "/secure/a?b=c");

      assertThat(response.statusCode()).isEqualTo(308);
      assertThat(response.headers().firstValue("Location"))
          .hasValue("https://127.0.0.1:" + httpsPort + "/secure/a?b=c");
      assertThat(response.headers().firstValue("Strict-Transport-Security")).isEmpty();
    }
    assertThat(send(plain, "http", httpPort, "GET", "/standard/x").headers().firstValue("Location"))
        .hasValue("https://127.0.0.1/standard/x");
    assertThat(backend.requests()).isZero();
  }

  @Test
  void overHttpsTheRouteIsServedWithHsts() throws Exception {
    HttpResponse<String> response = send(tls, "https", httpsPort, "POST", "/secure/a");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("web");
    assertThat(response.headers().firstValue("Strict-Transport-Security"))
        .hasValue("max-age=31536000; includeSubDomains");
  }

  @Test
  void hstsIsNeverSentOverPlainHttpNorByRoutesWithoutIt() throws Exception {
    HttpResponse<String> overHttp = send(plain, "http", httpPort, "GET", "/hsts-only/x");
    assertThat(overHttp.statusCode()).isEqualTo(200);
    assertThat(overHttp.headers().firstValue("Strict-Transport-Security")).isEmpty();
    assertThat(
            send(tls, "https", httpsPort, "GET", "/hsts-only/x")
                .headers()
                .firstValue("Strict-Transport-Security"))
        .hasValue("max-age=600");

    for (HttpResponse<String> response :
        java.util.List.of(
            send(plain, "http", httpPort, "GET", "/plain/x"),
            send(tls, "https", httpsPort, "GET", "/plain/x"))) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Strict-Transport-Security")).isEmpty();
    }
  }

  @Test
  void hstsSurvivesARetriedTryAndTheNodesOwnErrorAnswer() throws Exception {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = socket.getLocalPort();
    }
    Hsts hsts = Hsts.newBuilder().setMaxAge(Durations.fromSeconds(600)).build();
    fleet.createCluster("half-dead", deadPort, backend.port());
    fleet.createCluster("dead", deadPort);
    Route retried = Fleet.routeTo("/retried", "half-dead");
    retried =
        retried.toBuilder()
            .setTls(RouteTls.newBuilder().setHsts(hsts))
            .setForward(
                retried.getForward().toBuilder()
                    .setRetryPolicy(
                        RetryPolicy.newBuilder().addRetryOn(RetryPolicy.RetryOn.CONNECT_FAILURE))
                    .setMaxAttempts(2))
            .build();
    fleet.createRoute("retried", retried);
    fleet.createRoute(
        "dead",
        Fleet.routeTo("/dead", "dead").toBuilder()
            .setTls(RouteTls.newBuilder().setHsts(hsts))
            .build());
    fleet.awaitSynced();

    // Round robin over two endpoints: of two requests, one goes to the dead endpoint first and is
    // answered by the retry on the live one, after the response was reset.
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> response = send(tls, "https", httpsPort, "GET", "/retried/x");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Strict-Transport-Security"))
          .hasValue("max-age=600");
    }
    HttpResponse<String> failed = send(tls, "https", httpsPort, "GET", "/dead/x");
    assertThat(failed.statusCode()).isBetween(502, 503);
    assertThat(failed.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=600");
  }
}
