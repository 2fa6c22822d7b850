package dev.concierge.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.dataplane.routing.CompiledRoute.PathKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {
  private static CompiledRoute route(String name, List<String> hosts, PathKind kind, String path) {
    return CompiledRoute.of("routes/" + name, hosts, kind, path);
  }

  private static String find(RouteTable table, String host, String path) {
    CompiledRoute route = table.find(host, path);
    return route == null ? null : route.name().substring("routes/".length());
  }

  @Test
  void exactPathBeatsLongerPrefixBeatsShorterPrefixBeatsAnyPath() {
    RouteTable table =
        RouteTable.of(
            List.of(
                route("any", List.of(), PathKind.ANY, ""),
                route("short", List.of(), PathKind.SEGMENT_PREFIX, "/api"),
                route("long", List.of(), PathKind.SEGMENT_PREFIX, "/api/v1"),
                route("exact", List.of(), PathKind.EXACT, "/api/v1/users")));

    assertThat(find(table, "x", "/api/v1/users")).isEqualTo("exact");
    assertThat(find(table, "x", "/api/v1/users/7")).isEqualTo("long");
    assertThat(find(table, "x", "/api/v2")).isEqualTo("short");
    assertThat(find(table, "x", "/apix")).isEqualTo("any");
    assertThat(find(table, "x", "/other")).isEqualTo("any");
  }

  @Test
  void exactHostBeatsWildcardBeatsAnyHost() {
    RouteTable table =
        RouteTable.of(
            List.of(
                route("any", List.of(), PathKind.ANY, ""),
                route("wild", List.of("*.example.com"), PathKind.ANY, ""),
                route("deeper", List.of("*.api.example.com"), PathKind.ANY, ""),
                route("exact", List.of("api.example.com"), PathKind.ANY, "")));

    assertThat(find(table, "api.example.com", "/")).isEqualTo("exact");
    assertThat(find(table, "v1.api.example.com", "/")).isEqualTo("deeper");
    assertThat(find(table, "www.example.com", "/")).isEqualTo("wild");
    assertThat(find(table, "a.b.c.example.com", "/")).isEqualTo("wild");
    assertThat(find(table, "example.com", "/")).isEqualTo("any");
    assertThat(find(table, "other.org", "/")).isEqualTo("any");
    assertThat(find(table, null, "/")).isEqualTo("any");
  }

  @Test
  void wildcardDoesNotMatchApex() {
    RouteTable table =
        RouteTable.of(List.of(route("wild", List.of("*.example.com"), PathKind.ANY, "")));

    assertThat(find(table, "example.com", "/")).isNull();
    assertThat(find(table, "badexample.com", "/")).isNull();
    assertThat(find(table, "a.example.com", "/")).isEqualTo("wild");
  }

  @Test
  void hostIsMatchedIgnoringCaseAndPort() {
    RouteTable table =
        RouteTable.of(
            List.of(
                route("exact", List.of("api.example.com"), PathKind.ANY, ""),
                route("v6", List.of(), PathKind.EXACT, "/v6")));

    assertThat(find(table, "API.Example.COM:8080", "/")).isEqualTo("exact");
    assertThat(find(table, "api.example.com.", "/")).isEqualTo("exact");
    assertThat(find(table, "[::1]:8080", "/v6")).isEqualTo("v6");
    assertThat(RouteTable.nameEnd("[::1]:8080")).isEqualTo("[::1]".length());
    assertThat(RouteTable.nameEnd("a.example.com.:80")).isEqualTo("a.example.com".length());
  }

  @Test
  void fallsThroughToLessSpecificHostTierWhenPathDoesNotMatch() {
    RouteTable table =
        RouteTable.of(
            List.of(
                route("exact-api", List.of("api.example.com"), PathKind.SEGMENT_PREFIX, "/api"),
                route("wild-static", List.of("*.example.com"), PathKind.SEGMENT_PREFIX, "/static"),
                route("any-root", List.of(), PathKind.SEGMENT_PREFIX, "/")));

    assertThat(find(table, "api.example.com", "/api/x")).isEqualTo("exact-api");
    assertThat(find(table, "api.example.com", "/static/a.css")).isEqualTo("wild-static");
    assertThat(find(table, "api.example.com", "/index.html")).isEqualTo("any-root");
  }

  @Test
  void equalRoutesAreOrderedByName() {
    RouteTable table =
        RouteTable.of(
            List.of(
                route("b", List.of(), PathKind.SEGMENT_PREFIX, "/x"),
                route("a", List.of(), PathKind.SEGMENT_PREFIX, "/x"),
                route("d", List.of("h.test"), PathKind.EXACT, "/e"),
                route("c", List.of("h.test"), PathKind.EXACT, "/e"),
                route("z", List.of(), PathKind.ANY, ""),
                route("y", List.of(), PathKind.ANY, "")));

    assertThat(find(table, "h.test", "/x/1")).isEqualTo("a");
    assertThat(find(table, "h.test", "/e")).isEqualTo("c");
    assertThat(find(table, "h.test", "/q")).isEqualTo("y");
  }

  @Test
  void routeWithSeveralHostsIsFoundUnderEach() {
    RouteTable table =
        RouteTable.of(List.of(route("multi", List.of("a.test", "*.b.test"), PathKind.ANY, "")));

    assertThat(find(table, "a.test", "/")).isEqualTo("multi");
    assertThat(find(table, "x.b.test", "/")).isEqualTo("multi");
    assertThat(find(table, "c.test", "/")).isNull();
  }

  @Test
  void emptyTableFindsNothing() {
    assertThat(RouteTable.empty().find("a", "/")).isNull();
  }

  @Test
  void theIndexedLookupAgreesWithAScanInSpecificityOrder() {
    // Seeded: prefixes that nest, share lengths, end in "/" or not, in both prefix modes.
    java.util.Random random = new java.util.Random(42);
    List<String> segments = List.of("a", "ab", "b", "api", "v1", "v10", "x");
    List<CompiledRoute> routes = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      StringBuilder prefix = new StringBuilder();
      for (int depth = 1 + random.nextInt(3); depth > 0; depth--) {
        prefix.append('/').append(segments.get(random.nextInt(segments.size())));
      }
      if (random.nextInt(5) == 0) {
        prefix.append('/');
      }
      PathKind kind = random.nextBoolean() ? PathKind.SEGMENT_PREFIX : PathKind.STRING_PREFIX;
      routes.add(route("r" + i, List.of(), kind, prefix.toString()));
    }
    RouteTable table = RouteTable.of(routes);
    List<CompiledRoute> ordered = new java.util.ArrayList<>(routes);
    ordered.sort(
        java.util.Comparator.comparingInt((CompiledRoute r) -> r.path().length())
            .reversed()
            .thenComparing(CompiledRoute::name));

    for (int i = 0; i < 2000; i++) {
      StringBuilder path = new StringBuilder();
      for (int depth = 1 + random.nextInt(4); depth > 0; depth--) {
        path.append('/').append(segments.get(random.nextInt(segments.size())));
      }
      String p = path.toString();
      CompiledRoute expected =
          ordered.stream().filter(r -> r.matchesPath(p)).findFirst().orElse(null);
      assertThat(table.find("x", p)).as(p).isEqualTo(expected);
    }
  }

  @Test
  void pathRegexRanksBelowPrefixAndAboveAnyPath() {
    RouteTable table =
        RouteTable.of(
            List.of(
                route("any", List.of(), PathKind.ANY, ""),
                route("regex", List.of(), PathKind.REGEX, "/users/[0-9]+(/.*)?"),
                route("prefix", List.of(), PathKind.SEGMENT_PREFIX, "/users/admin"),
                route("exact", List.of(), PathKind.EXACT, "/users/42")));
    assertThat(find(table, "x", "/users/42")).isEqualTo("exact");
    assertThat(find(table, "x", "/users/admin")).isEqualTo("prefix");
    assertThat(find(table, "x", "/users/7/orders")).isEqualTo("regex");
    // The whole path must match, not a part of it.
    assertThat(find(table, "x", "/v1/users/7")).isEqualTo("any");
    assertThat(find(table, "x", "/users/7x")).isEqualTo("any");
  }

  @Test
  void aRegexOfAMoreSpecificHostTierBeatsAPrefixOfALessSpecificOne() {
    RouteTable table =
        RouteTable.of(
            List.of(
                route("any-host", List.of(), PathKind.SEGMENT_PREFIX, "/users"),
                route("host-regex", List.of("a.example.com"), PathKind.REGEX, "/users/.*")));
    assertThat(find(table, "a.example.com", "/users/1")).isEqualTo("host-regex");
    assertThat(find(table, "b.example.com", "/users/1")).isEqualTo("any-host");
  }

  @Test
  void priorityBreaksTiesBeforeTheName() {
    RouteTable table =
        RouteTable.of(
            List.of(
                route("a", List.of(), PathKind.SEGMENT_PREFIX, "/api"),
                withPriority(route("b", List.of(), PathKind.SEGMENT_PREFIX, "/api"), 5),
                withPriority(route("c", List.of(), PathKind.SEGMENT_PREFIX, "/api"), 5),
                withPriority(route("d", List.of(), PathKind.SEGMENT_PREFIX, "/"), 100)));
    // b and c tie on priority: the name decides. d has a higher priority but is less specific.
    assertThat(find(table, "x", "/api/1")).isEqualTo("b");
    assertThat(find(table, "x", "/other")).isEqualTo("d");
    RouteTable negative =
        RouteTable.of(
            List.of(
                withPriority(route("a", List.of(), PathKind.EXACT, "/x"), -1),
                route("b", List.of(), PathKind.EXACT, "/x")));
    assertThat(find(negative, "x", "/x")).isEqualTo("b");
  }

  @Test
  void wildcardSuffixesAreFoundLongestFirstWithoutScanning() {
    RouteTable table =
        RouteTable.of(
            List.of(
                route("short", List.of("*.com"), PathKind.ANY, ""),
                route("long", List.of("*.example.com"), PathKind.ANY, ""),
                route("longer", List.of("*.b.example.com"), PathKind.ANY, "")));
    assertThat(find(table, "a.b.example.com", "/")).isEqualTo("longer");
    assertThat(find(table, "x.example.com", "/")).isEqualTo("long");
    assertThat(find(table, "example.com", "/")).isEqualTo("short");
    assertThat(find(table, "b.example.com", "/")).isEqualTo("long");
    assertThat(find(table, "A.B.Example.COM:443", "/")).isEqualTo("longer");
    assertThat(find(table, "com", "/")).isNull();
    assertThat(find(table, ".com", "/")).isNull();
  }

  private static CompiledRoute withPriority(CompiledRoute r, int priority) {
    return new CompiledRoute(
        r.name(),
        r.hosts(),
        r.pathKind(),
        r.path(),
        r.predicates(),
        r.policies(),
        r.meter(),
        priority,
        r.pathRegex());
  }
}
