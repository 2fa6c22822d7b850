package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard under docs/ asks only for what Concierge exports: every series its PromQL
 * targets select has samples on a node's admin /metrics or the control plane's /metrics after some
 * traffic, with every label the selector matches on, and every expression parses with Prometheus'
 * own parser ({@code promtool check rules} on a rules file of them).
 */
class GrafanaDashboardIT {
  static final Path DASHBOARD = Path.of("..", "docs", "grafana", "concierge.json");
  // Labels Prometheus adds to every scraped series; the exposition never has them.
  private static final Set<String> TARGET_LABELS = Set.of("job", "instance");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int REQUESTS = 10;
  // An outermost aggregation, possibly inside histogram_quantile: group 3 is its by-list, if any.
  private static final Pattern OUTER_AGGREGATION =
      Pattern.compile(
          "\\s*(histogram_quantile\\(\\s*[0-9.]+\\s*,\\s*)?(sum|min|max|avg|count)"
              + "\\s*(?:by\\s*\\(([^)]*)\\))?\\s*\\(");
  private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");

  @TempDir Path dataDir;
  @TempDir Path rulesDir;

  @Test
  void everySeriesThePanelsSelectIsExportedWithItsLabels() throws Exception {
    GrafanaDashboard dashboard = GrafanaDashboard.read(DASHBOARD);
    assertThat(dashboard.problems()).isEmpty();
    assertThat(dashboard.targets()).hasSizeGreaterThan(30);

    Map<String, ExposedSeries> jobs = new LinkedHashMap<>();
    try (TestBackend backend = TestBackend.start("app");
        Fleet fleet = Fleet.start(dataDir, 1)) {
      fleet.createCluster("app", backend);
      fleet.createRoute("app", "/", "app");
      // A served certificate, so that its days-left series exist.
      TestPki.Issued leaf = new TestPki("Dashboard CA").issue("default", true, "127.0.0.1");
      fleet
          .api()
          .createCertificate(
              CreateCertificateRequest.newBuilder()
                  .setCertificateId("default")
                  .setCertificate(
                      Certificate.newBuilder()
                          .setCertificateChain(leaf.chainPem())
                          .setPrivateKey(leaf.keyPem())
                          .setDefaultCertificate(true))
                  .build());
      fleet.awaitSynced();
      DataPlaneServer node = fleet.nodes().get(0);
      for (int i = 0; i < REQUESTS; i++) {
        assertThat(Http.get(node.httpPort(), "/r" + i).statusCode()).isEqualTo(200);
      }
      // A request is counted when it completes, just after the client read its answer.
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  NodeMetricsText.sum(
                          NodeMetricsText.of(node),
                          "concierge_requests_total",
                          "route=\"routes/app\"")
                      == REQUESTS);
      jobs.put(dashboard.variable("node_job"), ExposedSeries.of(NodeMetricsText.of(node)));
      HttpResponse<String> cp = Http.get(fleet.controlPlane().httpPort(), "/metrics");
      assertThat(cp.statusCode()).isEqualTo(200);
      jobs.put(dashboard.variable("cp_job"), ExposedSeries.of(cp.body()));
    }

    assertThat(unexported(dashboard, jobs)).isEmpty();
  }

  @Test
  void everyLegendNamesOnlyLabelsItsExpressionKeeps() throws Exception {
    assertThat(lostLegendLabels(GrafanaDashboard.read(DASHBOARD))).isEmpty();
  }

  @Test
  void everyExpressionParsesWithPromtool() throws Exception {
    GrafanaDashboard dashboard = GrafanaDashboard.read(DASHBOARD);

    Promtool.Result result = checkRules(dashboard.targets());

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS: " + dashboard.targets().size() + " rules found");
  }

  /** The checks above fail where they should: on a dashboard with the usual slips. */
  @Test
  void theChecksFindAMisspelledMetricAWrongLabelAMissingJobAndBadSyntax() throws Exception {
    GrafanaDashboard slips =
        GrafanaDashboard.parse(
            """
            {"templating": {"list": [
              {"name": "node_job", "type": "custom", "query": "node",
               "current": {"value": "node"}}]},
             "panels": [{"title": "row", "type": "row", "panels": [
               {"title": "typo", "targets": [{"refId": "A",
                 "expr": "sum(rate(concierge_request_total{job=~\\"$node_job\\"}[$__rate_interval]))"}]},
               {"title": "label", "targets": [{"refId": "A",
                 "expr": "sum by (le) (rate(concierge_request_duration_seconds_bucket{job=~\\"$node_job\\",rout=~\\".*\\"}[5m]))"}]},
               {"title": "no job", "targets": [{"refId": "A", "expr": "jvm_threads_current"}]},
               {"title": "variable", "targets": [{"refId": "A",
                 "expr": "concierge_config_revision{job=~\\"$nodejob\\"}"}]},
               {"title": "syntax", "targets": [{"refId": "A",
                 "expr": "sum(rate(concierge_requests_total{job=~\\"$node_job\\"}[5m])"}]}]}]}
            """);
    ExposedSeries node =
        ExposedSeries.of(
            """
            # TYPE concierge_requests_total counter
            concierge_requests_total{route="r",method="GET",code_class="2xx"} 3
            concierge_request_duration_seconds_bucket{route="r",le="+Inf"} 3
            jvm_threads_current 12
            concierge_config_revision 4
            """);

    List<String> problems = unexported(slips, Map.of("node", node));
    List<String> legends =
        lostLegendLabels(
            GrafanaDashboard.parse(
                """
                {"panels": [{"title": "legend", "targets": [{"refId": "A",
                  "expr": "sum by (route) (rate(concierge_requests_total[5m]))",
                  "legendFormat": "{{route}} {{code_class}}"}]}]}
                """));
    Promtool.Result parsed = checkRules(slips.targets());

    assertThat(problems)
        .anySatisfy(p -> assertThat(p).contains("typo", "concierge_request_total"))
        .anySatisfy(p -> assertThat(p).contains("label", "label rout"))
        .anySatisfy(p -> assertThat(p).contains("no job", "names no job"));
    assertThat(slips.problems()).singleElement().asString().contains("$nodejob");
    assertThat(legends).singleElement().asString().contains("{{code_class}}");
    assertThat(parsed.exitCode()).isNotZero();
    assertThat(parsed.output()).contains("panel_5_A");
  }

  /**
   * What the targets select that the jobs do not export: a series with no sample, a label no sample
   * has, a selector without a job (node and control plane both export jvm_*), or a job the
   * dashboard's variables do not name.
   */
  static List<String> unexported(GrafanaDashboard dashboard, Map<String, ExposedSeries> jobs) {
    List<String> problems = new ArrayList<>();
    for (GrafanaDashboard.Target target : dashboard.targets()) {
      for (PromqlSelectors.Selector selector : PromqlSelectors.of(target.expr())) {
        String job = selector.matchers().get("job");
        if (selector.metric().isEmpty()) {
          problems.add(target + ": a selector without a metric name");
        } else if (job == null) {
          problems.add(target + ": " + selector.metric() + " names no job");
        } else if (!jobs.containsKey(job)) {
          problems.add(target + ": job \"" + job + "\" is none of " + jobs.keySet());
        } else if (!jobs.get(job).has(selector.metric())) {
          problems.add(target + ": " + selector.metric() + " has no samples in job " + job);
        } else {
          for (String label : selector.matchers().keySet()) {
            if (!TARGET_LABELS.contains(label)
                && !jobs.get(job).labelNames(selector.metric()).contains(label)) {
              problems.add(
                  target + ": " + selector.metric() + " has no label " + label + " in job " + job);
            }
          }
        }
      }
    }
    return problems;
  }

  /**
   * Legends that name a label the expression's outermost aggregation drops: {@code sum by (route)}
   * keeps route only (histogram_quantile also drops le), a {@code sum} without {@code by} keeps
   * none. Expressions without an outermost aggregation keep their selectors' labels, which the
   * scrape test checks.
   */
  static List<String> lostLegendLabels(GrafanaDashboard dashboard) {
    List<String> problems = new ArrayList<>();
    for (GrafanaDashboard.Target target : dashboard.targets()) {
      Matcher m = OUTER_AGGREGATION.matcher(target.expr());
      if (!m.lookingAt()) {
        continue;
      }
      Set<String> kept = new HashSet<>();
      if (m.group(3) != null) {
        for (String label : m.group(3).split(",", -1)) {
          kept.add(label.strip());
        }
      }
      if (m.group(1) != null) {
        kept.remove("le");
      }
      Matcher legend = LEGEND_LABEL.matcher(target.legend());
      while (legend.find()) {
        if (!kept.contains(legend.group(1))) {
          problems.add(target + ": legend {{" + legend.group(1) + "}} is not among " + kept);
        }
      }
    }
    return problems;
  }

  /**
   * {@code promtool check rules} on one recording rule per target, named {@code panel_<n>_<refId>}
   * (n counts targets from 1), so its errors point at the target.
   */
  private Promtool.Result checkRules(List<GrafanaDashboard.Target> targets) throws Exception {
    ObjectNode file = JSON.createObjectNode();
    ObjectNode group = file.putArray("groups").addObject().put("name", "grafana-dashboard");
    ArrayNode rules = group.putArray("rules");
    int n = 0;
    for (GrafanaDashboard.Target target : targets) {
      n++;
      rules
          .addObject()
          .put("record", "panel_" + n + "_" + target.refId().replaceAll("\\W", "_"))
          .put("expr", target.expr());
    }
    // YAML is a superset of JSON: promtool reads this as it is.
    Path rulesFile = Files.createTempFile(rulesDir, "dashboard", ".rules.yml");
    Files.writeString(rulesFile, JSON.writeValueAsString(file));
    return Promtool.run("check", "rules", rulesFile.toString());
  }

  /** Debian's promtool, as {@link NodeMetricsText#promtoolCheck} runs it. */
  private static final class Promtool {
    record Result(int exitCode, String output) {}

    static Result run(String... args) throws Exception {
      Path bin = DebianBinaries.of("prometheus", "promtool");
      List<String> command = new ArrayList<>(List.of(bin.resolve("promtool").toString()));
      command.addAll(List.of(args));
      Process promtool = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return new Result(promtool.exitValue(), output);
    }
  }
}
