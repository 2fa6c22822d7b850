package dev.concierge.dataplane.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.AcmeChallenge;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteTls;
import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.HandlerChain;
import dev.concierge.dataplane.TestSnapshots;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The challenge stage in the node's real chain: a route that redirects every plain-HTTP request to
 * HTTPS still lets the ACME server fetch its key authorization, on any host.
 */
class AcmeChallengeHandlerTest {
  private static final String TOKEN = "Zm9vYmFyLXRva2Vu";
  private static final String KEY_AUTHORIZATION = TOKEN + ".thumbprint";

  private final RuntimeHolder runtimes = new RuntimeHolder();
  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
    server.addConnector(connector);
    server.setHandler(
        HandlerChain.of(
            runtimes,
            attempt -> {
              throw new AssertionError("nothing goes upstream here");
            },
            ChainSettings.defaults()));
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private void apply(List<AcmeChallenge> challenges) throws Exception {
    Route redirectAll =
        TestSnapshots.route("all", List.of(), "/", "web").toBuilder()
            .setTls(RouteTls.newBuilder().setRedirectToHttps(true).setHttpsPort(8443))
            .build();
    ConfigSnapshot snapshot =
        TestSnapshots.snapshot(1, List.of(TestSnapshots.cluster("web", 1)), List.of(redirectAll))
            .toBuilder()
            .addAllAcmeChallenges(challenges)
            .build();
    runtimes.set(new RuntimeCompiler().compile(snapshot));
  }

  /** An answer: status, head (lower case) and body. */
  private record Answer(int status, String head, String body) {}

  private Answer send(String method, String host, String path) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5_000);
      socket
          .getOutputStream()
          .write(
              (method
                      + " "
                      + path
                      + " HTTP/1.1\r\nHost: "
                      + host
                      + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int end = all.indexOf("\r\n\r\n");
      return new Answer(
          Integer.parseInt(all.substring(9, 12)),
          all.substring(0, end).toLowerCase(Locale.ROOT),
          all.substring(end + 4));
    }
  }

  @Test
  void answersAKnownTokenOnEveryHostBeforeTheRouteRedirects() throws Exception {
    apply(
        List.of(
            AcmeChallenge.newBuilder()
                .setToken(TOKEN)
                .setKeyAuthorization(KEY_AUTHORIZATION)
                .build()));

    for (String host : List.of("a.example.test", "b.example.test")) {
      Answer answer = send("GET", host, "/.well-known/acme-challenge/" + TOKEN);
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo(KEY_AUTHORIZATION);
      assertThat(answer.head()).contains("content-type: text/plain");
    }
  }

  @Test
  void unknownTokensOtherPathsAndOtherMethodsGoOnToRouting() throws Exception {
    apply(
        List.of(
            AcmeChallenge.newBuilder()
                .setToken(TOKEN)
                .setKeyAuthorization(KEY_AUTHORIZATION)
                .build()));

    assertThat(send("GET", "a.example.test", "/.well-known/acme-challenge/other").status())
        .isEqualTo(308);
    assertThat(send("GET", "a.example.test", "/" + TOKEN).status()).isEqualTo(308);
    assertThat(send("POST", "a.example.test", "/.well-known/acme-challenge/" + TOKEN).status())
        .isEqualTo(308);
  }

  @Test
  void withoutPendingChallengesTheWellKnownPathIsRoutedLikeAnyOther() throws Exception {
    apply(List.of());

    assertThat(send("GET", "a.example.test", "/.well-known/acme-challenge/" + TOKEN).status())
        .isEqualTo(308);
  }
}
