package dev.concierge.dataplane.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.BasicAuth;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Cors;
import dev.concierge.api.v1.DirectResponseAction;
import dev.concierge.api.v1.KeyAuth;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.HandlerChain;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The key_auth and basic_auth stages in the node's real chain, in front of routes that answer
 * themselves: 401 with the scheme's WWW-Authenticate for a missing or wrong credential, 403 for a
 * consumer not allowed, the route's answer for a good one; a CORS preflight needs no credential.
 */
class AuthHandlersTest {
  private final RuntimeHolder runtimes = new RuntimeHolder();
  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
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
    runtimes.set(
        new RuntimeCompiler()
            .compile(
                ConfigSnapshot.newBuilder()
                    .setRevision(1)
                    .addPolicies(
                        Policy.newBuilder()
                            .setName("policies/keys")
                            .setKeyAuth(KeyAuth.newBuilder().setKeyInQuery(true)))
                    .addPolicies(
                        Policy.newBuilder()
                            .setName("policies/alice-only")
                            .setKeyAuth(
                                KeyAuth.newBuilder().addAllowedConsumers("consumers/alice")))
                    .addPolicies(
                        Policy.newBuilder()
                            .setName("policies/staff")
                            .setBasicAuth(BasicAuth.newBuilder().setRealm("staff")))
                    .addPolicies(
                        Policy.newBuilder()
                            .setName("policies/browsers")
                            .setCors(Cors.newBuilder().addAllowOrigins("https://app.example")))
                    .addConsumers(ConsumerAuthCompilerTest.consumer("alice", "ck_alice", 0))
                    .addConsumers(
                        ConsumerAuthCompilerTest.consumer("bob", "ck_bob", 0).toBuilder()
                            .addBasicCredentials(
                                BasicCredential.newBuilder()
                                    .setUsername("bob")
                                    .setPasswordHash(PasswordVerifierTest.BCRYPT)))
                    .addConsumers(ConsumerAuthCompilerTest.consumer("old", "ck_old", 1).toBuilder())
                    .addRoutes(answering("open", "/open"))
                    .addRoutes(answering("keyed", "/keyed", "keys", "browsers"))
                    .addRoutes(answering("alice", "/alice", "alice-only"))
                    .addRoutes(answering("basic", "/basic", "staff"))
                    .build()));
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private static Route answering(String id, String path, String... policies) {
    Route.Builder route =
        Route.newBuilder()
            .setName("routes/" + id)
            .setMatch(RouteMatch.newBuilder().setPathPrefix(path))
            .setDirectResponse(DirectResponseAction.newBuilder().setStatus(200).setBody("ok"));
    for (String p : policies) {
      route.addPolicies("policies/" + p);
    }
    return route.build();
  }

  /** The whole response to {@code method path} with the extra header lines. */
  private String send(String method, String path, String... headers) throws Exception {
    try (Socket socket = new Socket(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port)) {
      socket.setSoTimeout(10_000);
      StringBuilder request =
          new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: example.test\r\n");
      for (String header : headers) {
        request.append(header).append("\r\n");
      }
      request.append("Connection: close\r\n\r\n");
      socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String status(String response) {
    return response.substring(9, 12);
  }

  private static String basic(String user, String password) {
    return "Authorization: Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aKeyFromAHeaderOrTheQueryPassesAndAnyOtherGets401() throws Exception {
    assertThat(status(send("GET", "/open"))).isEqualTo("200");
    assertThat(status(send("GET", "/keyed", "apikey: ck_alice"))).isEqualTo("200");
    assertThat(status(send("GET", "/keyed", "X-Api-Key: ck_bob"))).isEqualTo("200");
    assertThat(status(send("GET", "/keyed?apikey=ck_alice"))).isEqualTo("200");

    String missing = send("GET", "/keyed");
    assertThat(status(missing)).isEqualTo("401");
    assertThat(missing).contains("WWW-Authenticate: Key realm=\"concierge\"");
    assertThat(missing).contains("unauthorized: no API key");
    String wrong = send("GET", "/keyed", "apikey: ck_nobody");
    assertThat(status(wrong)).isEqualTo("401");
    assertThat(wrong).contains("unauthorized: invalid API key").doesNotContain("ck_nobody");
    assertThat(status(send("GET", "/keyed", "apikey: ck_old"))).as("expired").isEqualTo("401");
  }

  @Test
  void aConsumerThePolicyDoesNotAllowGets403() throws Exception {
    assertThat(status(send("GET", "/alice", "apikey: ck_alice"))).isEqualTo("200");
    String bob = send("GET", "/alice", "apikey: ck_bob");
    assertThat(status(bob)).isEqualTo("403");
    assertThat(bob).contains("forbidden: consumer bob may not use this route");
  }

  @Test
  void aPreflightNeedsNoKey() throws Exception {
    String preflight =
        send(
            "OPTIONS",
            "/keyed",
            "Origin: https://app.example",
            "Access-Control-Request-Method: GET");
    assertThat(status(preflight)).isEqualTo("204");
  }

  @Test
  void basicCredentialsPassAndWrongOnesGet401WithTheRealm() throws Exception {
    assertThat(status(send("GET", "/basic", basic("bob", "s3cret-bcrypt")))).isEqualTo("200");
    // The second time from the cache, the same answer.
    assertThat(status(send("GET", "/basic", basic("bob", "s3cret-bcrypt")))).isEqualTo("200");
    String wrong = send("GET", "/basic", basic("bob", "wrong"));
    assertThat(status(wrong)).isEqualTo("401");
    assertThat(wrong)
        .contains("WWW-Authenticate: Basic realm=\"staff\", charset=\"UTF-8\"")
        .contains("unauthorized: invalid credentials");
    assertThat(status(send("GET", "/basic", basic("nobody", "s3cret-bcrypt")))).isEqualTo("401");
    assertThat(send("GET", "/basic")).contains("unauthorized: no Basic credentials");
    assertThat(status(send("GET", "/basic", "Authorization: Basic !!!"))).isEqualTo("401");
    assertThat(status(send("GET", "/basic", "Authorization: Bearer x"))).isEqualTo("401");
  }
}
