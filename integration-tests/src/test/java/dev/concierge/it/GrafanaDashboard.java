package dev.concierge.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Grafana dashboard JSON read the way a test needs it: every PromQL target of every panel (rows'
 * panels included), with Grafana's variables replaced by values a Prometheus parser takes: built-in
 * intervals by a duration, the dashboard's custom variables by their current value, its query
 * variables by their "All" value. A variable the dashboard does not define is a problem, not a
 * value.
 */
final class GrafanaDashboard {
  private static final ObjectMapper JSON = new ObjectMapper();
  // $name, ${name}, ${name:format} and the deprecated [[name]]; not label_replace's $1.
  private static final Pattern VARIABLE =
      Pattern.compile(
          "\\$\\{([A-Za-z_]\\w*)(?::[^}]*)?}|\\$([A-Za-z_]\\w*)|\\[\\[([A-Za-z_]\\w*)]]");
  private static final Map<String, String> BUILT_IN =
      Map.of(
          "__rate_interval", "5m",
          "__interval", "1m",
          "__range", "1h",
          "__interval_ms", "60000",
          "__range_ms", "3600000",
          "__range_s", "3600");

  /**
   * One target: where it is, its expression as written and with the variables replaced, and its
   * legend format ("" when it has none).
   */
  record Target(String panel, String refId, String written, String expr, String legend) {
    @Override
    public String toString() {
      return "panel \"" + panel + "\" target " + refId + ": " + written;
    }
  }

  private final List<Target> targets = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private final Map<String, String> variables = new LinkedHashMap<>();

  private GrafanaDashboard(JsonNode root) {
    for (JsonNode v : root.path("templating").path("list")) {
      variables.put(v.path("name").asText(), valueOf(v));
    }
    panels(root.path("panels"));
  }

  static GrafanaDashboard read(Path file) throws IOException {
    return new GrafanaDashboard(JSON.readTree(file.toFile()));
  }

  static GrafanaDashboard parse(String json) throws IOException {
    return new GrafanaDashboard(JSON.readTree(json));
  }

  /** Every PromQL target, in panel order. */
  List<Target> targets() {
    return targets;
  }

  /** What is wrong with the JSON itself: unknown variables, targets without an expression. */
  List<String> problems() {
    return problems;
  }

  /** The value a variable takes in the expressions. */
  String variable(String name) {
    return variables.get(name);
  }

  private static String valueOf(JsonNode variable) {
    return switch (variable.path("type").asText()) {
      case "custom", "constant", "textbox" -> {
        JsonNode current = variable.path("current").path("value");
        yield current.isTextual() ? current.asText() : variable.path("query").asText();
      }
      case "interval" -> "5m";
      default -> variable.path("allValue").asText(".*");
    };
  }

  private void panels(JsonNode panels) {
    for (JsonNode panel : panels) {
      String title = panel.path("title").asText();
      for (JsonNode target : panel.path("targets")) {
        String refId = target.path("refId").asText("?");
        JsonNode expr = target.get("expr");
        if (expr == null || expr.asText().isBlank()) {
          problems.add("panel \"" + title + "\" target " + refId + " has no expr");
          continue;
        }
        targets.add(
            new Target(
                title,
                refId,
                expr.asText(),
                substitute(title, refId, expr.asText()),
                target.path("legendFormat").asText("")));
      }
      panels(panel.path("panels")); // a collapsed row keeps its panels inside
    }
  }

  private String substitute(String panel, String refId, String expr) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = BUILT_IN.containsKey(name) ? BUILT_IN.get(name) : variables.get(name);
      if (value == null) {
        problems.add(
            "panel \"" + panel + "\" target " + refId + " uses undefined variable $" + name);
        value = m.group();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
