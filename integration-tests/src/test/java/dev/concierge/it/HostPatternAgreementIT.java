package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.controlplane.management.FieldViolations;
import dev.concierge.controlplane.management.RouteValidator;
import dev.concierge.dataplane.runtime.CompileException;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The control plane accepts a route's host pattern exactly when every node compiles it: one
 * accepted write must never be NACKed by the whole fleet.
 */
class HostPatternAgreementIT {
  private static final String LABEL_63 = "a".repeat(63);
  private static final String NAME_253 =
      String.join(".", LABEL_63, LABEL_63, LABEL_63, "a".repeat(61));

  @ParameterizedTest(name = "{0} accepted={1}")
  @CsvSource({
      "example.com, true",
      "API.Example.COM, true",
      "*.example.com, true",
      "*.a.b.example.com, true",
      "localhost, true",
      "xn--bcher-kva.example, true",
      "10.0.0.5, true",
      "'[::1]', true",
      "'[2001:db8::1]', true",
      "a1.example.com, true",
      "*.com, false",
      "*, false",
      "*., false",
      "a..b, false",
      "example.com., false",
      "-a.com, false",
      "a-.com, false",
      "a.*.com, false",
      "example.com:80, false",
      "::1, false",
      "'[::zz]', false",
      "999.1.1.1, false",
      "1.2.3, false",
      "bücher.example, false",
      "under_score.com, false",
  })
  void controlPlaneAndNodeAgree(String host, boolean accepted) {
    assertThat(controlPlaneAccepts(host)).as("control plane on %s", host).isEqualTo(accepted);
    assertThat(nodeAccepts(host)).as("node on %s", host).isEqualTo(accepted);
  }

  @ParameterizedTest(name = "length {0}")
  @CsvSource({"63, true", "64, false"})
  void labelsUpTo63Characters(int length, boolean accepted) {
    String host = "a".repeat(length) + ".example.com";
    assertThat(controlPlaneAccepts(host)).isEqualTo(accepted);
    assertThat(nodeAccepts(host)).isEqualTo(accepted);
  }

  @ParameterizedTest(name = "length {0}")
  @CsvSource({"253, true", "254, false"})
  void namesUpTo253Characters(int length, boolean accepted) {
    String host = length == 253 ? NAME_253 : NAME_253 + "a";
    assertThat(host).hasSize(length);
    assertThat(controlPlaneAccepts(host)).isEqualTo(accepted);
    assertThat(nodeAccepts(host)).isEqualTo(accepted);
  }

  private static Route route(String host) {
    return Route.newBuilder()
        .setName("routes/r")
        .setMatch(RouteMatch.newBuilder().addHosts(host).setPathPrefix("/"))
        .setForward(ForwardAction.newBuilder()
            .addClusters(WeightedCluster.newBuilder().setCluster("clusters/c")))
        .build();
  }

  private static boolean controlPlaneAccepts(String host) {
    FieldViolations violations = new FieldViolations();
    RouteValidator.validate(route(host), "route", name -> true, violations);
    return violations.isEmpty();
  }

  private static boolean nodeAccepts(String host) {
    ConfigSnapshot snapshot = ConfigSnapshot.newBuilder()
        .setRevision(1)
        .addClusters(Cluster.newBuilder().setName("clusters/c")
            .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(80)))
        .addRoutes(route(host))
        .build();
    try {
      new RuntimeCompiler().compile(snapshot);
      return true;
    } catch (CompileException e) {
      return false;
    }
  }
}
