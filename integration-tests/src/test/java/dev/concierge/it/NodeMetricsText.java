package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.dataplane.DataPlaneServer;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's Prometheus metrics as its admin port shows them ({@code GET /metrics}), read the way a
 * test needs: sums of samples, and Prometheus' own verdict ({@code promtool check metrics}, from
 * Debian's {@code prometheus} package).
 */
final class NodeMetricsText {
  private static final Pattern SAMPLE = Pattern.compile("(?m)^(\\S+?)(\\{[^}]*\\})? (\\S+)$");

  private NodeMetricsText() {}

  /** The node's metrics in the Prometheus text format 0.0.4 (what a plain GET gets). */
  static String of(DataPlaneServer node) {
    HttpResponse<String> response = Http.get(node.adminPort(), "/metrics");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
    return response.body();
  }

  /** The sum of the samples of {@code name} whose labels contain every one of {@code labels}. */
  static double sum(String body, String name, String... labels) {
    double sum = 0;
    Matcher m = SAMPLE.matcher(body);
    while (m.find()) {
      String set = m.group(2) == null ? "" : m.group(2);
      boolean all = true;
      for (String label : labels) {
        all &= set.contains(label);
      }
      if (m.group(1).equals(name) && all) {
        sum += Double.parseDouble(m.group(3));
      }
    }
    return sum;
  }

  /**
   * Runs {@code promtool check metrics} on {@code exposition}; returns what it printed (lint
   * problems), failing the test when it cannot parse it (exit 1) or finds problems (exit 3).
   */
  static String promtoolCheck(String exposition) throws Exception {
    Path bin = DebianBinaries.of("prometheus", "promtool");
    Process promtool =
        new ProcessBuilder(bin.resolve("promtool").toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = promtool.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(promtool.exitValue()).as("promtool check metrics: %s", output).isZero();
    return output.trim();
  }
}
