package dev.concierge.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.RegexRewrite;
import org.eclipse.jetty.http.HttpURI;
import org.junit.jupiter.api.Test;

class PathRewriteTest {
  private static String apply(PathRewrite rewrite, String target) {
    HttpURI uri = HttpURI.from(target);
    return rewrite.apply(uri.getPath(), uri);
  }

  private static PathRewrite regex(String pattern, String substitution) {
    return PathRewrite.regex(
        RegexRewrite.newBuilder().setPattern(pattern).setSubstitution(substitution).build());
  }

  @Test
  void replacesTheMatchedPrefix() {
    PathRewrite v2 = new PathRewrite.Prefix("/v1", "/v2");
    assertThat(apply(v2, "/v1/users/7?x=1")).isEqualTo("/v2/users/7");
    assertThat(apply(v2, "/v1")).isEqualTo("/v2");
    assertThat(apply(new PathRewrite.Prefix("/api/", "/"), "/api/x")).isEqualTo("/x");
  }

  @Test
  void aSlashEndingReplacementSharesTheSlashOfTheRest() {
    PathRewrite root = new PathRewrite.Prefix("/api", "/");
    assertThat(apply(root, "/api/x/y")).isEqualTo("/x/y");
    assertThat(apply(root, "/api")).isEqualTo("/");
    assertThat(apply(new PathRewrite.Prefix("/api", "/new/"), "/api/x")).isEqualTo("/new/x");
  }

  @Test
  void fallsBackToTheCanonicalPathTheRouteMatched() {
    // The raw path does not start with the prefix; the canonical one (dot segments resolved) does.
    assertThat(apply(new PathRewrite.Prefix("/v1", "/v2"), "/x/../v1/a")).isEqualTo("/v2/a");
    assertThat(apply(new PathRewrite.Prefix("/v1", "/v2"), "/other")).isEqualTo("/v2");
  }

  @Test
  void replacesTheFirstRegexMatchWithGroups() {
    assertThat(apply(regex("^/u/([0-9]+)/(.*)$", "/users/$1/$2"), "/u/42/orders"))
        .isEqualTo("/users/42/orders");
    assertThat(apply(regex("/a", "/b"), "/a/a")).isEqualTo("/b/a");
    assertThat(apply(regex("^/static", ""), "/static/app.js")).isEqualTo("/app.js");
    assertThat(apply(regex("^/only$", ""), "/only")).isEqualTo("/");
    assertThat(apply(regex("nomatch", "/x"), "/keep")).isEqualTo("/keep");
  }

  @Test
  void keepAndWholeAreWhatTheySay() {
    assertThat(apply(PathRewrite.keep(), "/a/b")).isEqualTo("/a/b");
    assertThat(apply(new PathRewrite.Whole("/new"), "/a/b")).isEqualTo("/new");
  }
}
