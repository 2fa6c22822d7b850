package dev.concierge.controlplane.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.CreateTokenRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RollbackRequest;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.UpdateRouteRequest;
import org.junit.jupiter.api.Test;

class RequestResourceTest {
  @Test
  void takesTheNameField() {
    assertThat(RequestResource.of(DeleteRouteRequest.newBuilder().setName("routes/a").build()))
        .isEqualTo("routes/a");
    assertThat(RequestResource.of(CreateTokenRequest.newBuilder().setName("ci").build()))
        .isEqualTo("ci");
  }

  @Test
  void buildsCreatesFromTheIdBeforeTheNestedName() {
    assertThat(
            RequestResource.of(
                CreateClusterRequest.newBuilder()
                    .setClusterId("web")
                    .setCluster(Cluster.newBuilder().setName("clusters/other"))
                    .build()))
        .isEqualTo("clusters/web");
    assertThat(
            RequestResource.of(
                CreateCertificateRequest.newBuilder()
                    .setCertificate(Certificate.newBuilder().setName("certificates/tls"))
                    .build()))
        .isEqualTo("certificates/tls");
    assertThat(
            RequestResource.of(
                CreatePolicyRequest.newBuilder()
                    .setPolicyId("office")
                    .setPolicy(Policy.getDefaultInstance())
                    .build()))
        .isEqualTo("policies/office");
  }

  @Test
  void takesAnUpdatedResourcesName() {
    assertThat(
            RequestResource.of(
                UpdateRouteRequest.newBuilder()
                    .setRoute(Route.newBuilder().setName("routes/api"))
                    .build()))
        .isEqualTo("routes/api");
  }

  @Test
  void namesARollbacksRevision() {
    assertThat(RequestResource.of(RollbackRequest.newBuilder().setRevision(7).build()))
        .isEqualTo("revisions/7");
  }

  @Test
  void isEmptyWhenNothingIsNamed() {
    assertThat(RequestResource.of(GetStatsRequest.getDefaultInstance())).isEmpty();
    assertThat(RequestResource.of("not a message")).isEmpty();
  }
}
