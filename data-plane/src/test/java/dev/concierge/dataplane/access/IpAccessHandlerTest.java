package dev.concierge.dataplane.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.DirectResponseAction;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.RouteTls;
import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.HandlerChain;
import dev.concierge.dataplane.client.CidrSet;
import dev.concierge.dataplane.client.ClientSettings;
import dev.concierge.dataplane.client.GeoLocator;
import dev.concierge.dataplane.client.TrustedProxies;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The IP access stage in the node's real chain, on 127.0.0.1 behind which the node trusts
 * X-Forwarded-For: a refused client gets 403 before the route's own answer (a direct response, or
 * an HTTPS redirect); CLIENT lists judge the forwarded client, PEER lists the connection's peer.
 */
class IpAccessHandlerTest {
  private final RuntimeHolder runtimes = new RuntimeHolder();
  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ClientSettings trusting =
        new ClientSettings(
            TrustedProxies.of(CidrSet.of(List.of("127.0.0.1/32"))),
            GeoLocator.none(),
            InstantSource.system());
    server.setHandler(
        HandlerChain.of(
            runtimes,
            attempt -> {
              throw new AssertionError("nothing goes upstream here");
            },
            ChainSettings.defaults().withClient(trusting)));
    server.start();
    port = connector.getLocalPort();
    runtimes.set(
        new RuntimeCompiler()
            .compile(
                ConfigSnapshot.newBuilder()
                    .setRevision(1)
                    .addPolicies(
                        policy(
                            "no-doc", false, IpAccessList.newBuilder().addDeny("203.0.113.0/24")))
                    .addPolicies(
                        policy(
                            "loopback-peer",
                            false,
                            IpAccessList.newBuilder()
                                .addAllow("127.0.0.1/32")
                                .setSource(IpAccessList.Source.PEER)))
                    .addRoutes(answering("open", "/open"))
                    .addRoutes(answering("client", "/client", "no-doc"))
                    .addRoutes(answering("peer", "/peer", "loopback-peer"))
                    .addRoutes(
                        answering("secure", "/secure", "no-doc").toBuilder()
                            .setTls(RouteTls.newBuilder().setRedirectToHttps(true)))
                    .build()));
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private static Policy policy(String id, boolean fleetDefault, IpAccessList.Builder list) {
    return Policy.newBuilder()
        .setName("policies/" + id)
        .setFleetDefault(fleetDefault)
        .setIpAccess(list)
        .build();
  }

  /** A route answering 200 "ok" itself, with the policies named. */
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

  /** The status and body of GET path from 127.0.0.1, sent with X-Forwarded-For: forwardedFor. */
  private String get(String path, String forwardedFor) throws Exception {
    return get(path, forwardedFor, 1);
  }

  /** As {@link #get(String, String)}, from 127.0.0.{@code lastByte}. */
  private String get(String path, String forwardedFor, int lastByte) throws Exception {
    InetAddress server = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    InetAddress local = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) lastByte});
    try (Socket socket = new Socket(server, port, local, 0)) {
      socket.setSoTimeout(5_000);
      socket
          .getOutputStream()
          .write(
              ("GET "
                      + path
                      + " HTTP/1.1\r\nHost: example.test\r\nX-Forwarded-For: "
                      + forwardedFor
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return all.substring(9, 12) + " " + all.substring(all.indexOf("\r\n\r\n") + 4);
    }
  }

  @Test
  void aClientListJudgesTheForwardedClient() throws Exception {
    assertThat(get("/client", "198.51.100.1")).isEqualTo("200 ok");
    assertThat(get("/client", "203.0.113.9"))
        .startsWith("403 forbidden: client address 203.0.113.9 is not allowed\nrequest-id: ");
    assertThat(get("/open", "203.0.113.9")).isEqualTo("200 ok");
  }

  @Test
  void aPeerListJudgesTheConnectionWhateverItForwards() throws Exception {
    assertThat(get("/peer", "203.0.113.9")).isEqualTo("200 ok");
    assertThat(get("/peer", "10.0.0.1")).isEqualTo("200 ok");
    // From 127.0.0.2, an untrusted peer: refused, and named as the address judged.
    assertThat(get("/peer", "127.0.0.1", 2))
        .startsWith("403 forbidden: client address 127.0.0.2 is not allowed");
  }

  @Test
  void aRefusedClientGets403BeforeTheRoutesHttpsRedirect() throws Exception {
    assertThat(get("/secure", "203.0.113.9")).startsWith("403 ");
    assertThat(get("/secure", "198.51.100.1")).startsWith("308 ");
  }
}
