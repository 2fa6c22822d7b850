package dev.concierge.controlplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.controlplane.ControlPlaneServer;
import dev.concierge.controlplane.InProcessControlPlane;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlPlaneHttpServerTest {
  @TempDir Path dir;

  private static HttpResponse<String> get(int port, String path, String accept) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Accept", accept)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheControlPlaneMetricsOnItsOwnPort() throws Exception {
    try (ControlPlaneServer server =
        ControlPlaneServer.builder()
            .dataDir(dir)
            .bindAddress("127.0.0.1")
            .grpcPort(0)
            .build()
            .start()) {
      assertThat(server.httpPort()).isPositive().isNotEqualTo(server.port());
      ManagedChannel channel =
          Grpc.newChannelBuilderForAddress(
                  "127.0.0.1", server.port(), InProcessControlPlane.tls(server))
              .build();
      try {
        var api = ManagementServiceGrpc.newBlockingStub(channel);
        try {
          api.listClusters(ListClustersRequest.getDefaultInstance());
        } catch (StatusRuntimeException expected) {
          // no token: UNAUTHENTICATED, counted all the same
        }
        InProcessControlPlane.withToken(api, server.adminToken())
            .listClusters(ListClustersRequest.getDefaultInstance());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      HttpResponse<String> text = get(server.httpPort(), "/metrics", "*/*");
      HttpResponse<String> open =
          get(server.httpPort(), "/metrics", "application/openmetrics-text; version=1.0.0");

      assertThat(text.statusCode()).isEqualTo(200);
      assertThat(text.headers().firstValue("Server")).isEmpty();
      assertThat(text.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
      assertThat(text.body())
          .contains("# TYPE concierge_cp_nodes gauge")
          .containsPattern("(?m)^concierge_cp_nodes\\{status=\"synced\"} 0(\\.0)?$")
          .containsPattern("(?m)^concierge_cp_nodes\\{status=\"disconnected\"} 0(\\.0)?$")
          .containsPattern("(?m)^concierge_cp_config_revision 0(\\.0)?$")
          .containsPattern("(?m)^concierge_cp_config_pushes_total 0(\\.0)?$")
          .containsPattern("(?m)^concierge_cp_config_acks_total 0(\\.0)?$")
          .containsPattern("(?m)^concierge_cp_config_nacks_total 0(\\.0)?$")
          .containsPattern("(?m)^concierge_cp_node_reports_total 0(\\.0)?$")
          .contains("concierge_cp_push_ack_seconds_bucket{le=\"0.005\"}")
          .containsPattern(
              "(?m)^concierge_cp_management_calls_total\\{code=\"UNAUTHENTICATED\","
                  + "method=\"ListClusters\"} 1(\\.0)?$")
          .containsPattern(
              "(?m)^concierge_cp_management_calls_total\\{code=\"OK\",method=\"ListClusters\"}"
                  + " 1(\\.0)?$")
          .contains("jvm_memory_used_bytes");
      assertThat(open.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/openmetrics-text"));
      assertThat(open.body()).endsWith("# EOF\n");
      assertThat(get(server.httpPort(), "/nothing", "*/*").statusCode()).isEqualTo(404);
    }
  }
}
