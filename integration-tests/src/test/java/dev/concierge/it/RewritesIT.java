package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.HeaderMutations;
import dev.concierge.api.v1.HeaderValue;
import dev.concierge.api.v1.RegexRewrite;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Route rewrites through a real node to a real backend that echoes what it received: path prefix
 * and regex rewrites, a fixed Host and the endpoint's, request header edits with variables, and
 * response header edits. Each case runs on the lean HTTP/1.1 carrier ({@code lean}, an HTTP1
 * cluster) and on the Jetty client carrier ({@code h2}, an HTTP2 cluster speaking h2c to the same
 * backend).
 */
class RewritesIT {
  @TempDir Path dataDir;
  private Server backend;
  private int backendPort;
  private Fleet fleet;
  private int port;
  private HttpClient client;

  @BeforeEach
  void setUp() throws Exception {
    backend = new Server();
    HttpConfiguration config = new HttpConfiguration();
    // HTTP/1.1 and h2c with prior knowledge on one port.
    ServerConnector connector =
        new ServerConnector(
            backend, new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config));
    connector.setHost("127.0.0.1");
    backend.addConnector(connector);
    backend.setHandler(new Echo());
    backend.start();
    backendPort = connector.getLocalPort();

    fleet = Fleet.start(dataDir, 1);
    for (String carrier : List.of("lean", "h2")) {
      fleet
          .api()
          .createCluster(
              CreateClusterRequest.newBuilder()
                  .setClusterId("web-" + carrier)
                  .setCluster(
                      Cluster.newBuilder()
                          .setProtocol(
                              carrier.equals("h2")
                                  ? Cluster.Protocol.HTTP2
                                  : Cluster.Protocol.HTTP1)
                          .addEndpoints(
                              Endpoint.newBuilder().setHost("127.0.0.1").setPort(backendPort)))
                  .build());
      fleet.createRoute(
          "prefix-" + carrier,
          route(
              "/" + carrier + "/prefix",
              carrier,
              ForwardAction.newBuilder()
                  .setPrefixRewrite("/new")
                  .setHost("api.internal:8443")
                  .setRequestHeaders(
                      HeaderMutations.newBuilder()
                          .addRemove("Cookie")
                          .addSet(header("X-Tier", "gold"))
                          .addAdd(header("X-Client", "${client_ip}"))
                          .addAdd(header("X-Info", "${route}|${host}|${scheme}|$$"))
                          .addAdd(header("X-Id", "${request_id}")))
                  .setResponseHeaders(
                      HeaderMutations.newBuilder()
                          .addRemove("X-Drop")
                          .addSet(header("X-Backend", "proxied"))
                          .addAdd(header("X-Route", "${route}")))));
      fleet.createRoute(
          "regex-" + carrier,
          route(
              "/" + carrier + "/regex",
              carrier,
              ForwardAction.newBuilder()
                  .setRegexRewrite(
                      RegexRewrite.newBuilder()
                          .setPattern("^/" + carrier + "/regex/([a-z]+)/([0-9]+)")
                          .setSubstitution("/items/$2/$1"))
                  .setEndpointHost(true)));
      fleet.createRoute(
          "plain-" + carrier, Fleet.routeTo("/" + carrier + "/plain", "web-" + carrier));
    }
    fleet.awaitSynced();
    port = fleet.nodes().get(0).httpPort();
    client = new HttpClient();
    client.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    client.stop();
    fleet.close();
    backend.stop();
  }

  private static HeaderValue header(String name, String value) {
    return HeaderValue.newBuilder().setName(name).setValue(value).build();
  }

  private static Route route(String prefix, String carrier, ForwardAction.Builder forward) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPathPrefix(prefix))
        .setForward(
            forward.addClusters(WeightedCluster.newBuilder().setCluster("clusters/web-" + carrier)))
        .build();
  }

  private ContentResponse get(String target, String... headers) throws Exception {
    var request = client.newRequest("127.0.0.1", port).path(target).timeout(10, TimeUnit.SECONDS);
    request.headers(
        h -> {
          h.put(HttpHeader.HOST, "shop.test:8080");
          for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
          }
        });
    return request.send();
  }

  /** The echo's lines: "target", "authority", "version", then each header in lower case. */
  private static Map<String, List<String>> echoed(ContentResponse response) {
    assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
    Map<String, List<String>> seen = new LinkedHashMap<>();
    for (String line : response.getContentAsString().lines().toList()) {
      int colon = line.indexOf(": ");
      seen.computeIfAbsent(line.substring(0, colon), k -> new java.util.ArrayList<>())
          .add(line.substring(colon + 2));
    }
    return seen;
  }

  @ParameterizedTest
  @ValueSource(strings = {"lean", "h2"})
  void rewritesThePrefixTheHostAndTheHeadersBothWays(String carrier) throws Exception {
    ContentResponse response =
        get(
            "/" + carrier + "/prefix/a/b?x=1&y=2",
            "Cookie",
            "session=secret",
            "X-Tier",
            "bronze",
            "Accept",
            "text/plain");
    Map<String, List<String>> seen = echoed(response);

    assertThat(seen.get("version")).containsExactly(carrier.equals("h2") ? "HTTP/2.0" : "HTTP/1.1");
    assertThat(seen.get("target")).containsExactly("/new/a/b?x=1&y=2");
    assertThat(seen.get("authority")).containsExactly("api.internal:8443");
    assertThat(seen.get("x-forwarded-host")).containsExactly("shop.test:8080");
    assertThat(seen).doesNotContainKey("cookie");
    assertThat(seen.get("x-tier")).containsExactly("gold");
    assertThat(seen.get("accept")).containsExactly("text/plain");
    assertThat(seen.get("x-client")).containsExactly("127.0.0.1");
    assertThat(seen.get("x-info")).containsExactly("prefix-" + carrier + "|shop.test|http|$");
    assertThat(seen.get("x-id")).singleElement().asString().matches("[0-9a-f]{8}-[0-9a-f]+");

    assertThat(response.getHeaders().get("X-Drop")).isNull();
    assertThat(response.getHeaders().getValuesList("X-Backend")).containsExactly("proxied");
    assertThat(response.getHeaders().get("X-Route")).isEqualTo("prefix-" + carrier);
    assertThat(response.getHeaders().get("X-Kept")).isEqualTo("yes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"lean", "h2"})
  void rewritesByRegexAndSendsTheEndpointAsHost(String carrier) throws Exception {
    Map<String, List<String>> seen = echoed(get("/" + carrier + "/regex/abc/42/rest?q=1"));

    assertThat(seen.get("target")).containsExactly("/items/42/abc/rest?q=1");
    assertThat(seen.get("authority")).containsExactly("127.0.0.1:" + backendPort);
    assertThat(seen.get("x-forwarded-host")).containsExactly("shop.test:8080");
  }

  @ParameterizedTest
  @ValueSource(strings = {"lean", "h2"})
  void aRouteWithoutRewritesKeepsPathHostAndHeaders(String carrier) throws Exception {
    ContentResponse response = get("/" + carrier + "/plain/x?q=1", "Cookie", "a=1");
    Map<String, List<String>> seen = echoed(response);

    assertThat(seen.get("target")).containsExactly("/" + carrier + "/plain/x?q=1");
    assertThat(seen.get("authority")).containsExactly("shop.test:8080");
    assertThat(seen.get("cookie")).containsExactly("a=1");
    assertThat(response.getHeaders().get("X-Drop")).isEqualTo("1");
    assertThat(response.getHeaders().get("X-Backend")).isEqualTo("echo");
  }

  /** Answers with what it received, one "name: value" line each; sets headers to be edited. */
  private static final class Echo extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      StringBuilder out = new StringBuilder();
      String query = request.getHttpURI().getQuery();
      out.append("target: ")
          .append(request.getHttpURI().getPath())
          .append(query == null ? "" : "?" + query)
          .append('\n');
      out.append("authority: ").append(request.getHttpURI().getAuthority()).append('\n');
      out.append("version: ")
          .append(request.getConnectionMetaData().getHttpVersion().asString())
          .append('\n');
      for (HttpField field : request.getHeaders()) {
        if (field.getHeader() != HttpHeader.HOST) {
          out.append(field.getLowerCaseName()).append(": ").append(field.getValue()).append('\n');
        }
      }
      response.getHeaders().add("X-Drop", "1");
      response.getHeaders().add("X-Backend", "echo");
      response.getHeaders().add("X-Kept", "yes");
      Content.Sink.write(response, true, out.toString(), callback);
      return true;
    }
  }
}
