package dev.concierge.controlplane.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.controlplane.fleet.ReportCounts;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ControlPlaneMetricsTest {
  private final AtomicReference<ReportCounts> reports =
      new AtomicReference<>(new ReportCounts(0, 0, 0));
  private final ControlPlaneMetrics metrics =
      new ControlPlaneMetrics(List::of, () -> 7, reports::get);

  private String scrape() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExpositionFormats.init()
        .getPrometheusTextFormatWriter()
        .write(out, metrics.registry().scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void countsReceivedLostAndRejectedNodeReportsAtEachScrape() throws Exception {
    String before = scrape();
    reports.set(new ReportCounts(40, 3, 2));
    String after = scrape();

    assertThat(before)
        .containsPattern("(?m)^concierge_cp_node_reports_lost_total 0(\\.0)?$")
        .containsPattern("(?m)^concierge_cp_node_reports_rejected_total 0(\\.0)?$");
    assertThat(after)
        .contains("# TYPE concierge_cp_node_reports_lost_total counter")
        .containsPattern("(?m)^concierge_cp_node_reports_total 40(\\.0)?$")
        .containsPattern("(?m)^concierge_cp_node_reports_lost_total 3(\\.0)?$")
        .containsPattern("(?m)^concierge_cp_node_reports_rejected_total 2(\\.0)?$")
        .containsPattern("(?m)^concierge_cp_config_revision 7(\\.0)?$");
  }
}
