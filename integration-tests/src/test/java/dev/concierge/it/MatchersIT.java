package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.DayOfWeek;
import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.TimeWindow;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Path regex, source CIDR, device, country, time window and priority matches through real nodes:
 * each path has a route with one test sending to "match"; a route without any test sends the rest
 * to "other". Three nodes differ in their client settings: "trusted" believes 127.0.0.1 as a proxy
 * (X-Forwarded-For, the X-Country geo header) and its clock says Monday 11:00 in Paris; "csv"
 * places 127.0.0.0/8 in France from a CSV file and its clock says Saturday; "plain" has neither.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MatchersIT {
  private static final String IPHONE =
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
          + " Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1";
  private static final String DESKTOP =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/120.0.0.0 Safari/537.36";

  @TempDir static Path dataDir;
  @TempDir static Path files;
  private TestBackend match;
  private TestBackend other;
  private Fleet fleet;
  private DataPlaneServer trusted;
  private DataPlaneServer csv;
  private DataPlaneServer plain;

  @BeforeAll
  void setUp() throws Exception {
    match = TestBackend.start("match");
    other = TestBackend.start("other");
    fleet = Fleet.start(dataDir, 0);
    Path geo = Files.writeString(files.resolve("geo.csv"), "# test\n127.0.0.0/8,FR\n::1/128,DE\n");
    // 2024-01-15 is a Monday: 10:00Z is 11:00 in Paris. 2024-01-20 is a Saturday.
    trusted =
        fleet.startNode(
            "trusted",
            b ->
                b.trustedProxies(List.of("127.0.0.1/32"))
                    .geoHeader("X-Country")
                    .clock(fixed("2024-01-15T10:00:00Z")));
    csv = fleet.startNode("csv", b -> b.geoCsv(geo).clock(fixed("2024-01-20T10:00:00Z")));
    plain = fleet.startNode("plain", UnaryOperator.identity());
    fleet.createCluster("match", match);
    fleet.createCluster("other", other);
    fleet.createRoute("fallback", routeTo("other", RouteMatch.newBuilder()).build());
    fleet.createRoute(
        "regex", routeTo("match", RouteMatch.newBuilder().setPathRegex("/users/[0-9]+")).build());
    fleet.createRoute(
        "source",
        routeTo(
                "match",
                RouteMatch.newBuilder().setPathPrefix("/src").addSourceCidrs("203.0.113.0/24"))
            .build());
    fleet.createRoute(
        "loopback",
        routeTo(
                "match",
                RouteMatch.newBuilder().setPathPrefix("/local").addSourceCidrs("127.0.0.0/8"))
            .build());
    fleet.createRoute(
        "mobile",
        routeTo(
                "match",
                RouteMatch.newBuilder()
                    .setPathPrefix("/dev")
                    .addDevices(DeviceClass.MOBILE)
                    .addDevices(DeviceClass.TABLET))
            .build());
    fleet.createRoute(
        "france",
        routeTo("match", RouteMatch.newBuilder().setPathPrefix("/geo").addCountries("FR")).build());
    fleet.createRoute(
        "nowhere",
        routeTo("match", RouteMatch.newBuilder().setPathPrefix("/zz").addCountries("ZZ")).build());
    fleet.createRoute(
        "office",
        routeTo(
                "match",
                RouteMatch.newBuilder()
                    .setPathPrefix("/office")
                    .addTimeWindows(
                        TimeWindow.newBuilder()
                            .addAllDays(
                                List.of(
                                    DayOfWeek.MONDAY,
                                    DayOfWeek.TUESDAY,
                                    DayOfWeek.WEDNESDAY,
                                    DayOfWeek.THURSDAY,
                                    DayOfWeek.FRIDAY))
                            .setStart("09:00")
                            .setEnd("17:00")
                            .setTimeZone("Europe/Paris")))
            .build());
    // Equal specificity: the higher priority wins although its name sorts last.
    fleet.createRoute(
        "a-prio", routeTo("other", RouteMatch.newBuilder().setPathPrefix("/prio")).build());
    fleet.createRoute(
        "z-prio",
        routeTo("match", RouteMatch.newBuilder().setPathPrefix("/prio")).setPriority(10).build());
    fleet.awaitSynced();
  }

  @AfterAll
  void tearDown() {
    fleet.close();
    match.close();
    other.close();
  }

  private static InstantSource fixed(String instant) {
    return InstantSource.fixed(Instant.parse(instant));
  }

  private static Route.Builder routeTo(String cluster, RouteMatch.Builder match) {
    return Fleet.routeTo("/", cluster).toBuilder().setMatch(match);
  }

  /** The backend that answered the path on {@code node}, headers given as name, value, ... */
  private static String backendFor(DataPlaneServer node, String path, String... headers) {
    HttpRequest.Builder request = Http.request(node.httpPort(), path);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return Http.send(request).headers().firstValue("X-Backend").orElse("none");
  }

  @Test
  void pathRegexMatchesTheWholePath() {
    assertThat(backendFor(plain, "/users/42")).isEqualTo("match");
    assertThat(backendFor(plain, "/users/42/orders")).isEqualTo("other");
    assertThat(backendFor(plain, "/users/me")).isEqualTo("other");
    // Canonical path: dot segments are resolved before matching.
    assertThat(backendFor(plain, "/x/../users/7")).isEqualTo("match");
  }

  @Test
  void sourceIsTheFirstUntrustedForwardedHopBehindATrustedProxy() {
    assertThat(backendFor(trusted, "/src", "X-Forwarded-For", "203.0.113.9")).isEqualTo("match");
    assertThat(backendFor(trusted, "/src", "X-Forwarded-For", "198.51.100.1, 203.0.113.9"))
        .isEqualTo("match");
    // The client may write anything on the left; the rightmost untrusted hop is who connected.
    assertThat(backendFor(trusted, "/src", "X-Forwarded-For", "203.0.113.9, 198.51.100.1"))
        .isEqualTo("other");
    assertThat(backendFor(trusted, "/src")).isEqualTo("other");
    // A node that trusts nobody uses the peer, whatever the header says.
    assertThat(backendFor(plain, "/src", "X-Forwarded-For", "203.0.113.9")).isEqualTo("other");
    assertThat(backendFor(plain, "/local", "X-Forwarded-For", "203.0.113.9")).isEqualTo("match");
  }

  @Test
  void forwardedForIsAppendedToOnlyBehindATrustedProxy() {
    backendFor(trusted, "/src", "X-Forwarded-For", "198.51.100.1, 203.0.113.9");
    assertThat(match.lastRequestHeaders().get("X-Forwarded-For"))
        .containsExactly("198.51.100.1, 203.0.113.9, 127.0.0.1");
    backendFor(plain, "/local", "X-Forwarded-For", "203.0.113.9");
    assertThat(match.lastRequestHeaders().get("X-Forwarded-For")).containsExactly("127.0.0.1");
  }

  @Test
  void deviceClassComesFromTheUserAgent() {
    assertThat(backendFor(plain, "/dev", "User-Agent", IPHONE)).isEqualTo("match");
    assertThat(backendFor(plain, "/dev", "User-Agent", DESKTOP)).isEqualTo("other");
    assertThat(backendFor(plain, "/dev", "User-Agent", "curl/8.5.0")).isEqualTo("other");
  }

  @Test
  void countryFromATrustedHeader() {
    assertThat(backendFor(trusted, "/geo", "X-Country", "FR")).isEqualTo("match");
    assertThat(backendFor(trusted, "/geo", "X-Country", "fr")).isEqualTo("match");
    assertThat(backendFor(trusted, "/geo", "X-Country", "DE")).isEqualTo("other");
    assertThat(backendFor(trusted, "/zz")).isEqualTo("match");
    // The plain node reads no header: every client is ZZ.
    assertThat(backendFor(plain, "/geo", "X-Country", "FR")).isEqualTo("other");
    assertThat(backendFor(plain, "/zz", "X-Country", "FR")).isEqualTo("match");
  }

  @Test
  void countryFromACsvTable() {
    assertThat(backendFor(csv, "/geo")).isEqualTo("match");
    assertThat(backendFor(csv, "/zz")).isEqualTo("other");
    // The CSV node trusts no proxy: neither the header nor X-Forwarded-For moves the client.
    assertThat(backendFor(csv, "/geo", "X-Country", "DE", "X-Forwarded-For", "203.0.113.9"))
        .isEqualTo("match");
  }

  @Test
  void timeWindowsReadTheNodesClock() {
    assertThat(backendFor(trusted, "/office")).isEqualTo("match");
    assertThat(backendFor(csv, "/office")).isEqualTo("other");
  }

  @Test
  void priorityBreaksTiesOfEqualSpecificity() {
    assertThat(backendFor(plain, "/prio/x")).isEqualTo("match");
  }
}
