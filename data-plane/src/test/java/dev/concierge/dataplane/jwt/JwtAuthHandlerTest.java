package dev.concierge.dataplane.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.JwtAuth;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.HandlerChain;
import dev.concierge.dataplane.TestSnapshots;
import dev.concierge.dataplane.client.ClientSettings;
import dev.concierge.dataplane.client.GeoLocator;
import dev.concierge.dataplane.client.TrustedProxies;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JWT stage in the node's real chain, on a clock fixed at {@link TestTokens#NOW}, with a
 * transport that records what would go upstream: 401 with the RFC 6750 challenge for a missing or
 * refused token; a valid one goes on without its credential and with its claim headers, replacing
 * any the client sent; a route without the policy is untouched.
 */
class JwtAuthHandlerTest {
  private static TestTokens tokens;

  private final RuntimeHolder runtimes = new RuntimeHolder();
  private final List<String> upstream = new CopyOnWriteArrayList<>();
  private Server server;
  private int port;

  @BeforeAll
  static void keys() throws Exception {
    tokens = new TestTokens();
  }

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ClientSettings clock =
        new ClientSettings(
            TrustedProxies.none(), GeoLocator.none(), InstantSource.fixed(TestTokens.NOW));
    server.setHandler(
        HandlerChain.of(
            runtimes,
            attempt -> {
              StringBuilder seen = new StringBuilder();
              seen.append(attempt.rewrite().path(attempt.request().getHttpURI()));
              String query = attempt.request().getHttpURI().getQuery();
              if (query != null) {
                seen.append('?').append(query);
              }
              attempt
                  .rewrite()
                  .headers(
                      attempt.request(),
                      attempt.endpoint(),
                      (name, value) -> seen.append('\n').append(name).append(": ").append(value));
              upstream.add(seen.toString());
              attempt.response().setStatus(200);
              attempt
                  .response()
                  .write(
                      true,
                      ByteBuffer.wrap("upstream".getBytes(StandardCharsets.UTF_8)),
                      Callback.from(() -> attempt.completed(null), attempt::completed));
            },
            ChainSettings.defaults().withClient(clock)));
    server.start();
    port = connector.getLocalPort();
    JwtAuth.Builder bearer =
        JwtAuth.newBuilder()
            .addIssuers("https://issuer.example")
            .addAudiences("api")
            .addAlgorithms(JwtAuth.Algorithm.RS256)
            .addAlgorithms(JwtAuth.Algorithm.HS256)
            .setJwks(tokens.publicJwks())
            .setSecretJwks(tokens.secretJwks())
            .putClaimsToHeaders("sub", "X-User-Id")
            .putClaimsToHeaders("aud", "X-Audience");
    Route api = TestSnapshots.route("api", List.of(), "/api", "web");
    runtimes.set(
        new RuntimeCompiler()
            .compile(
                TestSnapshots.withPolicies(
                    List.of(
                        TestSnapshots.named(api, "bearer"),
                        TestSnapshots.named(
                            TestSnapshots.route("cookie", List.of(), "/cookie", "web"), "cookie"),
                        TestSnapshots.named(
                            TestSnapshots.route("query", List.of(), "/query", "web"), "query"),
                        TestSnapshots.route("open", List.of(), "/open", "web")),
                    policy("bearer", bearer),
                    policy(
                        "cookie",
                        bearer
                            .clone()
                            .setTokenSource(
                                JwtAuth.TokenSource.newBuilder()
                                    .setKind(JwtAuth.TokenSource.Kind.COOKIE)
                                    .setName("session"))),
                    policy(
                        "query",
                        bearer
                            .clone()
                            .setTokenSource(
                                JwtAuth.TokenSource.newBuilder()
                                    .setKind(JwtAuth.TokenSource.Kind.QUERY)
                                    .setName("access_token"))))));
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private static Policy policy(String id, JwtAuth.Builder jwt) {
    return Policy.newBuilder().setName("policies/" + id).setJwtAuth(jwt).build();
  }

  /** The status line's code, the WWW-Authenticate value and the body of GET path. */
  private String get(String path, String headers) throws Exception {
    InetAddress local = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    try (Socket socket = new Socket(local, port)) {
      socket.setSoTimeout(5_000);
      socket
          .getOutputStream()
          .write(
              ("GET "
                      + path
                      + " HTTP/1.1\r\nHost: example.test\r\n"
                      + headers
                      + "Connection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String head = all.substring(0, all.indexOf("\r\n\r\n"));
      String challenge = "";
      for (String line : head.lines().toList()) {
        if (line.regionMatches(true, 0, "WWW-Authenticate: ", 0, 18)) {
          challenge = line.substring(18);
        }
      }
      return all.substring(9, 12) + " " + challenge + " | " + all.substring(head.length() + 4);
    }
  }

  @Test
  void aRequestWithoutATokenGetsTheBareChallenge() throws Exception {
    assertThat(get("/api", ""))
        .startsWith("401 Bearer realm=\"concierge\" | unauthorized: no token");
    assertThat(get("/api", "Authorization: Basic dXNlcjpwYXNz\r\n"))
        .startsWith("401 Bearer realm=\"concierge\" | ");
    assertThat(upstream).isEmpty();
  }

  @Test
  void aRefusedTokenGetsInvalidTokenAndItsReason() throws Exception {
    String expired =
        tokens.rs256(
            TestTokens.claims()
                .expirationTime(java.util.Date.from(TestTokens.NOW.minusSeconds(61)))
                .build());
    assertThat(get("/api", "Authorization: Bearer " + expired + "\r\n"))
        .startsWith(
            "401 Bearer realm=\"concierge\", error=\"invalid_token\","
                + " error_description=\"token expired\" | unauthorized: token expired");
    assertThat(
            get(
                "/api",
                "Authorization: Bearer " + TestTokens.none(TestTokens.claims().build()) + "\r\n"))
        .startsWith("401 ")
        .contains("alg none");
    assertThat(upstream).isEmpty();
  }

  @Test
  void aValidTokenGoesOnWithItsClaimHeadersAndWithoutTheCredential() throws Exception {
    String token = tokens.rs256(TestTokens.claims().build());
    assertThat(
            get(
                "/api",
                "Authorization: Bearer "
                    + token
                    + "\r\nX-User-Id: admin\r\nx-audience: forged\r\n"))
        .isEqualTo("200  | upstream");
    String sent = upstream.get(0);
    assertThat(sent).contains("\nX-User-Id: user-42").contains("\nX-Audience: ");
    assertThat(sent).doesNotContain("admin").doesNotContain("forged").doesNotContain(token);
    assertThat(sent.toLowerCase(java.util.Locale.ROOT)).doesNotContain("authorization");
    // HS256 allowed here, with the inline secret.
    assertThat(
            get(
                "/api",
                "Authorization: Bearer " + tokens.hs256(TestTokens.claims().build()) + "\r\n"))
        .isEqualTo("200  | upstream");
  }

  @Test
  void aCookieOrQueryTokenIsTakenOffWhatGoesUpstream() throws Exception {
    String token = tokens.rs256(TestTokens.claims().build());
    assertThat(get("/cookie", "Cookie: theme=dark; session=" + token + "; lang=en\r\n"))
        .isEqualTo("200  | upstream");
    assertThat(upstream.get(0)).contains("\nCookie: theme=dark; lang=en").doesNotContain(token);
    assertThat(get("/query/x?a=1&access_token=" + token + "&b=2", "")).isEqualTo("200  | upstream");
    assertThat(upstream.get(1)).startsWith("/query/x?a=1&b=2\n").doesNotContain(token);
  }

  @Test
  void aRouteWithoutThePolicyIsUntouched() throws Exception {
    assertThat(get("/open", "Authorization: Bearer abc\r\nX-User-Id: me\r\n"))
        .isEqualTo("200  | upstream");
    assertThat(upstream.get(0)).contains("\nAuthorization: Bearer abc").contains("\nX-User-Id: me");
  }
}
