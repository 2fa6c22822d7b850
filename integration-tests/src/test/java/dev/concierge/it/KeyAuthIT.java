package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import dev.concierge.dataplane.DataPlaneServer;
import dev.concierge.dataplane.accesslog.AccessLogDestination;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys through a real node, as a new user would make them: a consumer and a key created with
 * the CLI, the key shown once; it works from a header or the query, the backend sees the consumer
 * and never the key, the access log names the consumer and never holds the key; a missing or wrong
 * key gets 401 with WWW-Authenticate; no listing shows the key; a deleted key stops working.
 */
class KeyAuthIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path work;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer node;
  private Path log;
  private FleetCli cli;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("app");
    fleet = Fleet.start(work.resolve("cp"), 0);
    log = work.resolve("node.log");
    node = fleet.startNode("n1", b -> b.accessLog(AccessLogDestination.file(log)));
    cli = new FleetCli(fleet, work);
    fleet.createCluster("app", backend);
  }

  @AfterEach
  void tearDown() {
    if (fleet != null) {
      fleet.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private HttpResponse<String> get(String path, String... headers) {
    var request = Http.request(node.httpPort(), path);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return Http.send(request);
  }

  private List<JsonNode> logLines() throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log)) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }

  @Test
  void aKeyMadeWithTheCliIsShownOnceWorksAndStopsWorkingWhenDeleted() throws Exception {
    cli.ok("consumer", "create", "alice", "--description", "the mobile app");
    cli.ok("policy", "create", "keys", "--key-auth", "--key-in-query");
    fleet.createRoute(
        "app", Fleet.routeTo("/app", "app").toBuilder().addPolicies("policies/keys").build());
    String created = cli.ok("consumer", "key", "create", "alice");
    assertThat(created).contains("it is shown only this once and cannot be shown again");
    String key = created.lines().filter(l -> l.startsWith("ck_")).findFirst().orElseThrow();
    assertThat(key).hasSize(46);
    fleet.awaitSynced();

    HttpResponse<String> ok = get("/app/items", "X-Api-Key", key);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("app");
    Headers seen = backend.lastRequestHeaders();
    assertThat(seen.getFirst("X-Consumer-Username")).isEqualTo("alice");
    assertThat(seen.containsKey("X-Api-Key")).as("the key is stripped").isFalse();
    assertThat(seen.toString()).doesNotContain(key);

    // A forged consumer header is replaced, and a key in the query is stripped too.
    HttpResponse<String> query =
        get("/app/items?apikey=" + key + "&page=2", "X-Consumer-Username", "root");
    assertThat(query.statusCode()).isEqualTo(200);
    assertThat(backend.lastRequestUri().getRawQuery()).isEqualTo("page=2");
    assertThat(backend.lastRequestHeaders().get("X-Consumer-Username")).containsExactly("alice");

    int before = backend.requests();
    HttpResponse<String> missing = get("/app/items");
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate"))
        .hasValue("Key realm=\"concierge\"");
    assertThat(missing.body()).startsWith("unauthorized: no API key\nrequest-id: ");
    HttpResponse<String> wrong = get("/app/items", "apikey", key + "x");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValue("Key realm=\"concierge\"");
    assertThat(wrong.body()).startsWith("unauthorized: invalid API key");
    assertThat(backend.requests()).as("refused requests never reach the backend").isEqualTo(before);

    // No listing ever shows the key again.
    for (String[] listing :
        new String[][] {
          {"consumer", "list"},
          {"-o", "json", "consumer", "list"},
          {"-o", "json", "consumer", "get", "alice"},
          {"consumer", "key", "list", "alice"},
          {"get", "policies"},
          {"history"},
        }) {
      assertThat(cli.ok(listing)).as(String.join(" ", listing)).doesNotContain(key);
    }
    assertThat(cli.ok("consumer", "key", "list", "alice")).contains(key.substring(0, 7) + "...");

    // The log names the consumer of each request it let through, and never holds the key.
    List<JsonNode> lines =
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(20))
            .until(this::logLines, l -> l.size() >= 4);
    assertThat(lines.get(0).get("consumer").asText()).isEqualTo("alice");
    assertThat(lines.get(1).get("path").asText()).isEqualTo("/app/items?apikey=REDACTED&page=2");
    assertThat(lines.get(2).get("status").asInt()).isEqualTo(401);
    assertThat(lines.get(2).get("consumer").isNull()).isTrue();
    assertThat(Files.readString(log)).doesNotContain(key);

    // Deleted, the key stops working once the node has the new snapshot.
    String id =
        cli.ok("consumer", "key", "list", "alice")
            .lines()
            .filter(l -> l.contains(key.substring(0, 7)))
            .findFirst()
            .orElseThrow()
            .split("\\s+", 2)[0];
    cli.ok("consumer", "key", "delete", "alice", id);
    fleet.awaitSynced();
    assertThat(get("/app/items", "X-Api-Key", key).statusCode()).isEqualTo(401);
  }

  @Test
  void aLimitKeyedByConsumerGivesEachConsumerItsOwnBucket() throws Exception {
    cli.ok("consumer", "create", "alice");
    cli.ok("consumer", "create", "bob");
    cli.ok("policy", "create", "keys", "--key-auth");
    cli.ok("policy", "create", "per-consumer", "--rate", "2/m", "--key", "consumer");
    assertThat(cli.ok("policy", "get", "per-consumer")).contains("key consumer");
    fleet.createRoute(
        "app",
        Fleet.routeTo("/app", "app").toBuilder()
            .addPolicies("policies/keys")
            .addPolicies("policies/per-consumer")
            .build());
    String alice = key(cli.ok("consumer", "key", "create", "alice"));
    String bob = key(cli.ok("consumer", "key", "create", "bob"));
    fleet.awaitSynced();

    // Same client address for both: only the consumer tells the buckets apart.
    assertThat(get("/app/1", "X-Api-Key", alice).statusCode()).isEqualTo(200);
    assertThat(get("/app/2", "X-Api-Key", alice).statusCode()).isEqualTo(200);
    HttpResponse<String> third = get("/app/3", "X-Api-Key", alice);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("Retry-After")).isPresent();
    assertThat(get("/app/1", "X-Api-Key", bob).statusCode()).isEqualTo(200);
    assertThat(get("/app/2", "X-Api-Key", bob).statusCode()).isEqualTo(200);
    assertThat(get("/app/3", "X-Api-Key", bob).statusCode()).isEqualTo(429);
  }

  private static String key(String created) {
    return created.lines().filter(l -> l.startsWith("ck_")).findFirst().orElseThrow();
  }
}
