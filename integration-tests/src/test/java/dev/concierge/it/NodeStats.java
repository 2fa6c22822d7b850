package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.http.HttpResponse;
import java.util.List;

/** A node's traffic counters as its admin port shows them ({@code GET /stats}). */
final class NodeStats {
  private NodeStats() {}

  /** The node's current report, parsed back from the admin page's JSON. */
  static NodeReport of(DataPlaneServer node) {
    HttpResponse<String> response = Http.get(node.adminPort(), "/stats");
    assertThat(response.statusCode()).as("GET /stats: %s", response.body()).isEqualTo(200);
    NodeReport.Builder report = NodeReport.newBuilder();
    try {
      JsonFormat.parser().ignoringUnknownFields().merge(response.body(), report);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("GET /stats is not a NodeReport: " + response.body(), e);
    }
    return report.build();
  }

  /** The counters named {@code name} ("routes/{id}", "clusters/{id}"); fails when absent. */
  static TrafficCounters named(List<TrafficCounters> counters, String name) {
    return counters.stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no counters named " + name + " in " + counters));
  }
}
