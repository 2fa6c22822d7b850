package dev.concierge.controlplane.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.concierge.controlplane.ControlPlaneServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's HTTP port on a real control plane: the JSON bridge, the session, the files. */
class DashboardHttpTest {
  @TempDir Path dir;
  private ControlPlaneServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws IOException {
    server =
        ControlPlaneServer.builder()
            .dataDir(dir)
            .bindAddress("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> post(String method, @Nullable String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri("/api/v1/" + method))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.httpPort() + path);
  }

  private static JsonObject json(HttpResponse<String> response) {
    return JsonParser.parseString(response.body()).getAsJsonObject();
  }

  private String readOnlyToken() throws Exception {
    HttpResponse<String> created =
        post(
            "CreateToken",
            server.adminToken(),
            "{\"name\": \"viewer\", \"role\": \"TOKEN_ROLE_READ_ONLY\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return json(created).get("secret").getAsString();
  }

  @Test
  void refusesACallWithoutAToken() throws Exception {
    HttpResponse<String> response = post("ListNodes", null, "{}");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(json(response).get("code").getAsString()).isEqualTo("UNAUTHENTICATED");
    assertThat(response.headers().firstValue("Content-Type")).hasValue(HttpAnswer.JSON);
  }

  @Test
  void refusesRollbackToAReadOnlyToken() throws Exception {
    HttpResponse<String> response =
        post("Rollback", readOnlyToken(), "{\"revision\": 1, \"validateOnly\": true}");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(json(response).get("code").getAsString()).isEqualTo("PERMISSION_DENIED");
    assertThat(json(response).get("message").getAsString()).contains("Rollback");
  }

  @Test
  void answersAReadOnlyTokensReadAsProtobufJson() throws Exception {
    post(
        "CreateCluster",
        server.adminToken(),
        "{\"clusterId\": \"web\", \"cluster\": {\"endpoints\": [{\"host\": \"127.0.0.1\","
            + " \"port\": 8080}]}}");

    HttpResponse<String> response = post("ListClusters", readOnlyToken(), "");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonObject cluster = json(response).getAsJsonArray("clusters").get(0).getAsJsonObject();
    assertThat(cluster.get("name").getAsString()).isEqualTo("clusters/web");
  }

  @Test
  void theAuditLogRecordsBridgedChangesAsTheCLIsAre() throws Exception {
    readOnlyToken();

    HttpResponse<String> audit = post("ListAuditEvents", server.adminToken(), "{}");

    JsonObject event = json(audit).getAsJsonArray("events").get(0).getAsJsonObject();
    assertThat(event.get("rpc").getAsString()).endsWith("/CreateToken");
    assertThat(event.get("tokenName").getAsString()).isEqualTo("admin");
    assertThat(event.get("clientAddress").getAsString())
        .matches("127\\.0\\.0\\.1:\\d+ \\(dashboard\\)");
  }

  @Test
  void aDashboardRollbackIsAuditedAndRecordedAsTheSignedInToken() throws Exception {
    HttpResponse<String> created =
        post("CreateToken", server.adminToken(), "{\"name\": \"ops-alice\"}");
    String alice = json(created).get("secret").getAsString();
    for (String id : new String[] {"web", "api"}) {
      HttpResponse<String> cluster =
          post(
              "CreateCluster",
              alice,
              "{\"clusterId\": \""
                  + id
                  + "\", \"cluster\": {\"endpoints\": [{\"host\":"
                  + " \"127.0.0.1\", \"port\": 8080}]}}");
      assertThat(cluster.statusCode()).as(cluster.body()).isEqualTo(200);
    }

    HttpResponse<String> rollback = post("Rollback", alice, "{\"revision\": 1}");

    assertThat(rollback.statusCode()).as(rollback.body()).isEqualTo(200);
    JsonObject event = null;
    for (var e :
        json(post("ListAuditEvents", server.adminToken(), "{}")).getAsJsonArray("events")) {
      if (e.getAsJsonObject().get("rpc").getAsString().endsWith("/Rollback")) {
        event = e.getAsJsonObject();
        break;
      }
    }
    assertThat(event).as("the Rollback's audit event").isNotNull();
    assertThat(event.get("tokenName").getAsString()).isEqualTo("ops-alice");
    assertThat(event.get("code").getAsString()).isEqualTo("OK");
    assertThat(event.get("clientAddress").getAsString()).endsWith(" (dashboard)");
    JsonObject newest =
        json(post("ListRevisions", server.adminToken(), "{}"))
            .getAsJsonArray("revisions")
            .get(0)
            .getAsJsonObject();
    assertThat(newest.get("revision").getAsLong())
        .isEqualTo(json(rollback).get("revision").getAsLong());
    assertThat(newest.get("actor").getAsString()).isEqualTo("ops-alice");
  }

  @Test
  void answers404ForAnUnknownMethodAnd400ForABadBody() throws Exception {
    assertThat(post("DropEverything", server.adminToken(), "{}").statusCode()).isEqualTo(404);

    HttpResponse<String> bad = post("ListNodes", server.adminToken(), "{\"pageSize\": \"x\"");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad).get("code").getAsString()).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void refusesAnOversizedBodyAndOtherHttpMethods() throws Exception {
    String huge = "{\"name\": \"" + "x".repeat(ManagementBridge.MAX_BODY_BYTES) + "\"}";
    assertThat(post("GetCluster", server.adminToken(), huge).statusCode()).isEqualTo(413);

    HttpResponse<String> getCall = get("/api/v1/ListNodes");
    assertThat(getCall.statusCode()).isEqualTo(405);
    assertThat(getCall.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void theSessionTellsTheRoleOfTheToken() throws Exception {
    HttpResponse<String> admin =
        get("/api/session", "Authorization", "Bearer " + server.adminToken());
    HttpResponse<String> viewer = get("/api/session", "Authorization", "Bearer " + readOnlyToken());
    HttpResponse<String> nobody = get("/api/session", "Authorization", "Bearer nope");

    assertThat(json(admin).get("mayRollback").getAsBoolean()).isTrue();
    assertThat(json(viewer).get("role").getAsString()).isEqualTo("read-only");
    assertThat(json(viewer).get("mayRollback").getAsBoolean()).isFalse();
    assertThat(nobody.statusCode()).isEqualTo(401);
  }

  @Test
  void servesThePageAndTheChartLibraryWithTheirTypes() throws Exception {
    HttpResponse<String> page = get("/dashboard/");
    HttpResponse<String> chart = get("/dashboard/vendor/uPlot.iife.min.js");
    HttpResponse<String> style = get("/dashboard/style.css");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();
    assertThat(page.body()).contains("<script src=\"app.js\"");
    assertThat(chart.headers().firstValue("Content-Type"))
        .hasValue("text/javascript; charset=utf-8");
    assertThat(chart.headers().firstValue("Cache-Control")).hasValue("public, max-age=86400");
    assertThat(chart.body()).contains("uPlot");
    assertThat(style.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
  }

  @Test
  void answers304WhenTheFileIsUnchanged() throws Exception {
    String etag = get("/dashboard/app.js").headers().firstValue("ETag").orElseThrow();

    HttpResponse<String> again = get("/dashboard/app.js", "If-None-Match", etag);

    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
  }

  @Test
  void theRootSendsTheBrowserToTheDashboard() throws Exception {
    HttpResponse<String> root = get("/");

    assertThat(root.statusCode()).isEqualTo(302);
    assertThat(root.headers().firstValue("Location")).hasValue("/dashboard/");
  }

  @Test
  void listsNoDirectoryAndReachesNoOtherFile() throws Exception {
    assertThat(get("/dashboard/vendor/").statusCode()).isEqualTo(404);
    // Jetty refuses ambiguous paths itself (400); what gets through finds no file (404).
    assertThat(get("/dashboard/%2e%2e/admin.token").statusCode()).isIn(400, 404);
    assertThat(rawStatus("/dashboard/../admin.token")).isIn(400, 404);
    assertThat(rawStatus("/dashboard/..%2F..%2Fpom.xml")).isIn(400, 404);
    assertThat(rawStatus("/dashboard/vendor/..%2F..%2F..%2Fadmin.token")).isIn(400, 404);
    assertThat(get("/dashboard/dashboard/app.js").statusCode()).isEqualTo(404);
  }

  /** The status of a GET sent as written, with no client tidying the path. */
  private int rawStatus(String path) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.httpPort())) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(head.substring(9, 12));
    }
  }
}
