package dev.concierge.dataplane.cors;

import static dev.concierge.dataplane.TestSnapshots.named;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.withPolicies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Cors;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.Policy;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CORS policies compile once per snapshot; a route's own replaces the fleet default. */
class CorsPolicyCompilerTest {
  private final RuntimeCompiler compiler = new RuntimeCompiler();

  private static Policy cors(String id, boolean fleetDefault, String origin) {
    return Policy.newBuilder()
        .setName("policies/" + id)
        .setFleetDefault(fleetDefault)
        .setCors(Cors.newBuilder().addAllowOrigins(origin))
        .build();
  }

  private static CorsPolicy cors(Runtime runtime, String path) {
    return runtime.routes().find("any", path).policies().get(CorsPolicy.KEY);
  }

  @Test
  void aRouteWithoutCorsPolicyAndNoFleetDefaultGetsTheNullObject() throws Exception {
    Runtime runtime =
        compiler.compile(
            withPolicies(
                List.of(named(route("web", List.of(), null, "web"), "office")),
                cors("unused", false, "https://a.example"),
                Policy.newBuilder()
                    .setName("policies/office")
                    .setIpAccess(IpAccessList.newBuilder().addAllow("10.0.0.0/8"))
                    .build()));
    assertThat(cors(runtime, "/")).isSameAs(CorsPolicy.none());
  }

  @Test
  void theRoutesOwnReplacesTheFleetDefault() throws Exception {
    Runtime runtime =
        compiler.compile(
            withPolicies(
                List.of(
                    named(route("app", List.of(), "/app", "web"), "app"),
                    route("web", List.of(), null, "web")),
                cors("everyone", true, "https://site.example"),
                cors("app", false, "https://app.example")));

    CorsPolicy app = cors(runtime, "/app");
    assertThat(app.name()).isEqualTo("policies/app");
    assertThat(app.allows("https://app.example")).isTrue();
    assertThat(app.allows("https://site.example")).isFalse();
    CorsPolicy web = cors(runtime, "/");
    assertThat(web.name()).isEqualTo("policies/everyone");
    assertThat(web.allows("https://site.example")).isTrue();
  }
}
