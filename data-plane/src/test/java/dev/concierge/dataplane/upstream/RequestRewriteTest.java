package dev.concierge.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.HeaderMutations;
import dev.concierge.api.v1.HeaderValue;
import dev.concierge.api.v1.RegexRewrite;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.stats.StatsHandler;
import dev.concierge.dataplane.stats.TrafficStats;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The route rewrites on real Jetty requests (a local connector, no network): the upstream header
 * block a transport would send, the path, and the response head edits.
 */
class RequestRewriteTest {
  private static final Endpoint ENDPOINT = new Endpoint("127.0.0.1", 9000, 1, 0);

  private final AtomicReference<RequestRewrite> rewrite =
      new AtomicReference<>(RequestRewrite.defaults());
  private Server server;
  private LocalConnector local;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    local = new LocalConnector(server);
    server.addConnector(local);
    Handler stage =
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            RequestRewrite r = rewrite.get();
            StringBuilder block = new StringBuilder();
            block.append("path ").append(r.path(request.getHttpURI())).append('\n');
            r.headers(
                request,
                ENDPOINT,
                (name, value) -> block.append(name).append(": ").append(value).append('\n'));
            response.getHeaders().add("Server-Timing", "app;dur=1");
            response.getHeaders().add("X-Keep", "1");
            r.responseHeaders(request, response.getHeaders());
            Content.Sink.write(response, true, block.toString(), callback);
            return true;
          }
        };
    server.setHandler(new StatsHandler(new TrafficStats(), System::nanoTime, stage));
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private HttpTester.Response get(String target, String... headers) throws Exception {
    StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\n");
    for (String header : headers) {
      request.append(header).append("\r\n");
    }
    request.append("Connection: close\r\n\r\n");
    return HttpTester.parseResponse(local.getResponse(request.toString()));
  }

  private static HeaderValue header(String name, String value) {
    return HeaderValue.newBuilder().setName(name).setValue(value).build();
  }

  private void route(ForwardAction.Builder forward, String prefix) {
    rewrite.set(RequestRewrite.of(forward.build(), "routes/shop", prefix));
  }

  @Test
  void aForwardWithoutRewritesSharesTheDefaultRewrite() {
    assertThat(RequestRewrite.of(ForwardAction.getDefaultInstance(), "routes/a", ""))
        .isSameAs(RequestRewrite.defaults());
    assertThat(
            RequestRewrite.of(
                ForwardAction.newBuilder()
                    .setPathForwarding(ForwardAction.PathForwarding.RAW)
                    .setRequestHeaders(HeaderMutations.getDefaultInstance())
                    .build(),
                "routes/a",
                ""))
        .isSameAs(RequestRewrite.of(RequestRewrite.PathForm.RAW));
  }

  @Test
  void dropsClientSentClientCertificateHeadersOnEveryRoute() throws Exception {
    String[] forged = {
      "Host: shop.test",
      "X-Client-Cert-Subject: CN=admin",
      "x-client-cert-fingerprint: 00",
      "X-CLIENT-CERT-VERIFIED: SUCCESS",
      "X-Client-Cert-Other: kept"
    };
    assertThat(get("/", forged).getContent())
        .doesNotContainIgnoringCase("X-Client-Cert-Subject")
        .doesNotContainIgnoringCase("X-Client-Cert-Fingerprint")
        .doesNotContainIgnoringCase("X-Client-Cert-Verified")
        .contains("X-Client-Cert-Other: kept\n");
    route(ForwardAction.newBuilder().setHost("api.internal"), "");
    assertThat(get("/", forged).getContent()).doesNotContainIgnoringCase("X-Client-Cert-Verified");
  }

  @Test
  void rewritesThePathAndKeepsTheQueryOut() throws Exception {
    route(ForwardAction.newBuilder().setPrefixRewrite("/v2"), "/v1");
    assertThat(get("/v1/a?q=1", "Host: shop.test").getContent()).startsWith("path /v2/a\n");
    route(
        ForwardAction.newBuilder()
            .setRegexRewrite(
                RegexRewrite.newBuilder().setPattern("^/u/([0-9]+)").setSubstitution("/users/$1")),
        "");
    assertThat(get("/u/7/x", "Host: shop.test").getContent()).startsWith("path /users/7/x\n");
  }

  @Test
  void sendsAFixedHostOrTheEndpointsAndKeepsTheClientsInForwardedHost() throws Exception {
    route(ForwardAction.newBuilder().setHost("api.internal:8443"), "");
    String block = get("/", "Host: shop.test:8080").getContent();
    assertThat(block).contains("Host: api.internal:8443\n").doesNotContain("\nHost: shop.test");
    assertThat(block).contains("X-Forwarded-Host: shop.test:8080\n");

    route(ForwardAction.newBuilder().setEndpointHost(true), "");
    block = get("/", "Host: shop.test").getContent();
    assertThat(block).contains("Host: 127.0.0.1:9000\n").contains("X-Forwarded-Host: shop.test\n");
  }

  @Test
  void editsRequestHeadersAfterTheForwardingOnesWithVariables() throws Exception {
    route(
        ForwardAction.newBuilder()
            .setRequestHeaders(
                HeaderMutations.newBuilder()
                    .addRemove("cookie")
                    .addSet(header("X-Tier", "gold"))
                    .addAdd(header("X-Tier", "extra"))
                    .addAdd(
                        header(
                            "X-Who", "${client_ip}|${route}|${host}|${scheme}|${request_id}|$$"))),
        "");
    String block =
        get("/", "Host: shop.test:8080", "Cookie: a=1", "X-Tier: bronze", "Accept: */*")
            .getContent();
    assertThat(block).doesNotContain("Cookie").doesNotContain("bronze").contains("Accept: */*\n");
    assertThat(block.substring(block.indexOf("Via:")))
        .matches(
            "(?s)Via: 1.1 concierge\nX-Request-Id: ([0-9a-f]{8}-[0-9a-f]+)\n"
                + "traceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-00\nX-Tier: gold\nX-Tier: extra\n"
                + "X-Who: [^|]+\\|shop\\|shop\\.test\\|http\\|\\1\\|\\$\n");
  }

  @Test
  void sendsTheRequestIdAndThisHopsTraceparentInsteadOfTheClients() throws Exception {
    String block =
        get(
                "/",
                "Host: shop.test",
                "X-Request-Id: forged",
                "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "tracestate: congo=t61rcWkgMzE")
            .getContent();

    assertThat(block).doesNotContain("forged").doesNotContain("b7ad6b7169203331");
    assertThat(block)
        .containsPattern("\nX-Request-Id: [0-9a-f]{8}-[0-9a-f]+\n")
        .containsPattern("\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01\n")
        .contains("\ntracestate: congo=t61rcWkgMzE\n");
  }

  @Test
  void dropsTracestateWhenTheTraceparentIsInvalid() throws Exception {
    String block =
        get(
                "/",
                "Host: shop.test",
                "traceparent: 00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                "tracestate: congo=t61rcWkgMzE")
            .getContent();

    assertThat(block).doesNotContain("tracestate").doesNotContain("0AF76519");
    assertThat(block).containsPattern("\ntraceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-00\n");
  }

  @Test
  void editsTheResponseHead() throws Exception {
    route(
        ForwardAction.newBuilder()
            .setResponseHeaders(
                HeaderMutations.newBuilder()
                    .addRemove("server-timing")
                    .addSet(header("X-Keep", "2"))
                    .addAdd(header("X-Route", "${route}"))),
        "");
    HttpTester.Response response = get("/", "Host: shop.test");
    assertThat(response.get("Server-Timing")).isNull();
    assertThat(response.getValuesList("X-Keep")).containsExactly("2");
    assertThat(response.get("X-Route")).isEqualTo("shop");
  }
}
