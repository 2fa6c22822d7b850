package dev.concierge.controlplane.management;

import static dev.concierge.controlplane.InProcessControlPlane.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.FieldMask;
import com.google.rpc.BadRequest;
import dev.concierge.api.v1.ApplyRequest;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DeletePolicyRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ExportConfigRequest;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.GetPolicyRequest;
import dev.concierge.api.v1.GetRevisionRequest;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.api.v1.ListPoliciesRequest;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.ResourceChange;
import dev.concierge.api.v1.RollbackRequest;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.UpdatePolicyRequest;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.controlplane.InProcessControlPlane;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policies go through the one resource path: CRUD with etags and masks, field violations, routes
 * that name them (and cannot lose them), the snapshot, apply, export, history and rollback.
 */
class PolicyApiTest {
  @TempDir Path dir;
  private InProcessControlPlane cp;
  private ManagementServiceBlockingStub admin;

  @BeforeEach
  void start() throws Exception {
    cp = new InProcessControlPlane(dir);
    admin = cp.admin();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private static Policy office() {
    return Policy.newBuilder()
        .setDescription("office only")
        .setIpAccess(
            IpAccessList.newBuilder()
                .addAllow("10.0.0.0/8")
                .addAllow("2001:db8::/32")
                .addDeny("10.66.0.0/16"))
        .build();
  }

  private Policy createPolicy(String id, Policy policy) {
    return admin.createPolicy(
        CreatePolicyRequest.newBuilder().setPolicyId(id).setPolicy(policy).build());
  }

  private void createRoute(String id, String... policies) {
    admin.createCluster(
        CreateClusterRequest.newBuilder()
            .setClusterId("web-" + id)
            .setCluster(
                Cluster.newBuilder()
                    .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.1").setPort(80)))
            .build());
    admin.createRoute(
        CreateRouteRequest.newBuilder()
            .setRouteId(id)
            .setRoute(route("clusters/web-" + id).toBuilder().addAllPolicies(List.of(policies)))
            .build());
  }

  private static Route route(String cluster) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPathPrefix("/"))
        .setForward(
            ForwardAction.newBuilder()
                .addClusters(WeightedCluster.newBuilder().setCluster(cluster)))
        .build();
  }

  private static List<String> fields(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).isNotNull();
    for (Any any : status.getDetailsList()) {
      if (any.is(BadRequest.class)) {
        return any.unpack(BadRequest.class).getFieldViolationsList().stream()
            .map(v -> v.getField() + ": " + v.getDescription())
            .toList();
      }
    }
    throw new AssertionError("no BadRequest in " + status);
  }

  @Test
  void createsGetsListsUpdatesAndDeletesPolicies() {
    Policy created = createPolicy("office", office());
    assertThat(created.getName()).isEqualTo("policies/office");
    assertThat(created.getEtag()).isEqualTo("1");
    assertThat(admin.getPolicy(GetPolicyRequest.newBuilder().setName("policies/office").build()))
        .isEqualTo(created);
    assertThat(admin.listPolicies(ListPoliciesRequest.getDefaultInstance()).getPoliciesList())
        .containsExactly(created);

    Policy updated =
        admin.updatePolicy(
            UpdatePolicyRequest.newBuilder()
                .setPolicy(
                    Policy.newBuilder()
                        .setName("policies/office")
                        .setEtag(created.getEtag())
                        .setFleetDefault(true)
                        .setDescription("ignored: not in the mask"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("fleet_default"))
                .build());
    assertThat(updated.getFleetDefault()).isTrue();
    assertThat(updated.getDescription()).isEqualTo("office only");
    assertThat(updated.getIpAccess()).isEqualTo(created.getIpAccess());

    StatusRuntimeException stale =
        failure(
            () ->
                admin.updatePolicy(
                    UpdatePolicyRequest.newBuilder()
                        .setPolicy(office().toBuilder().setName("policies/office").setEtag("1"))
                        .build()));
    assertThat(stale.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);

    admin.deletePolicy(DeletePolicyRequest.newBuilder().setName("policies/office").build());
    assertThat(admin.listPolicies(ListPoliciesRequest.getDefaultInstance()).getPoliciesCount())
        .isZero();
    StatusRuntimeException gone =
        failure(
            () ->
                admin.getPolicy(GetPolicyRequest.newBuilder().setName("policies/office").build()));
    assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void aBadBlockIsInvalidArgumentNamingItsField() throws Exception {
    StatusRuntimeException e =
        failure(
            () ->
                createPolicy(
                    "office",
                    Policy.newBuilder()
                        .setIpAccess(
                            IpAccessList.newBuilder()
                                .addAllow("10.0.0.0/8")
                                .addAllow("10.0.0.1/8")
                                .addDeny("300.0.0.0/8"))
                        .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(fields(e))
        .containsExactly(
            "policy.ip_access.allow[1]: has address bits set after the first 8: write the block's"
                + " first address",
            "policy.ip_access.deny[0]: \"300.0.0.0\" is not an IPv4 or IPv6 address");

    StatusRuntimeException none = failure(() -> createPolicy("empty", Policy.newBuilder().build()));
    assertThat(fields(none))
        .containsExactly(
            "policy.ip_access: a policy kind is required: set ip_access, rate_limit, cors, jwt_auth or connection_limits");
  }

  @Test
  void routesNameExistingPoliciesWhichCannotBeDeletedWhileUsed() throws Exception {
    StatusRuntimeException missing = failure(() -> createRoute("web", "policies/office"));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(fields(missing))
        .containsExactly("route.policies[0]: policy \"policies/office\" does not exist");

    createPolicy("office", office());
    createRoute("api", "policies/office");
    StatusRuntimeException used =
        failure(
            () ->
                admin.deletePolicy(
                    DeletePolicyRequest.newBuilder().setName("policies/office").build()));
    assertThat(used.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(used.getStatus().getDescription())
        .isEqualTo("policy \"policies/office\" is used by routes/api");

    // Detached by a masked update, it can go.
    admin.updateRoute(
        UpdateRouteRequest.newBuilder()
            .setRoute(Route.newBuilder().setName("routes/api"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("policies"))
            .build());
    admin.deletePolicy(DeletePolicyRequest.newBuilder().setName("policies/office").build());
    admin.deleteRoute(DeleteRouteRequest.newBuilder().setName("routes/api").build());
  }

  @Test
  void applyExportHistoryAndRollbackCarryPolicies() {
    createPolicy("office", office());
    createRoute("api", "policies/office");
    Config exported = admin.exportConfig(ExportConfigRequest.getDefaultInstance());
    assertThat(exported.getPoliciesList()).hasSize(1);
    assertThat(exported.getPolicies(0).getEtag()).isEmpty();
    assertThat(exported.getRoutes(0).getPoliciesList()).containsExactly("policies/office");
    long revision = exported.getRevision();
    assertThat(
            admin
                .apply(ApplyRequest.newBuilder().setConfig(exported).setPrune(true).build())
                .getChanged())
        .isFalse();

    Config changed =
        exported.toBuilder()
            .setPolicies(
                0,
                exported.getPolicies(0).toBuilder()
                    .setIpAccess(IpAccessList.newBuilder().addDeny("192.0.2.0/24")))
            .build();
    var applied = admin.apply(ApplyRequest.newBuilder().setConfig(changed).build());
    assertThat(applied.getChangesList())
        .extracting(ResourceChange::getName)
        .containsExactly("policies/office");
    assertThat(
            admin
                .getRevision(
                    GetRevisionRequest.newBuilder().setRevision(applied.getRevision()).build())
                .getSummary())
        .isEqualTo("~policies/office");

    admin.rollback(RollbackRequest.newBuilder().setRevision(revision).build());
    assertThat(
            admin
                .getPolicy(GetPolicyRequest.newBuilder().setName("policies/office").build())
                .getIpAccess())
        .isEqualTo(office().getIpAccess());

    // A bad block in an apply is named by its place in the request.
    StatusRuntimeException bad =
        failure(
            () ->
                admin.apply(
                    ApplyRequest.newBuilder()
                        .setConfig(
                            Config.newBuilder()
                                .addPolicies(
                                    Policy.newBuilder()
                                        .setName("policies/bad")
                                        .setIpAccess(
                                            IpAccessList.newBuilder().addDeny("10.0.0.0/33"))))
                        .build()));
    assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(bad.getStatus().getDescription())
        .contains("policies[0].ip_access.deny[0]: the prefix length must be 0-32");
  }

  @Test
  void aJwtPolicysSecretKeysAreWriteOnly() {
    String secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYnkh";
    Policy created =
        createPolicy(
            "jwt",
            Policy.newBuilder()
                .setJwtAuth(
                    JwtAuth.newBuilder()
                        .addIssuers("https://issuer.example")
                        .addAlgorithms(JwtAuth.Algorithm.HS256)
                        .setSecretJwks(
                            "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"h1\",\"k\":\""
                                + secret
                                + "\"}]}"))
                .build());
    assertThat(created.getJwtAuth().getSecretJwks()).isEmpty();
    String fingerprint = created.getJwtAuth().getSecretKeys(0);
    assertThat(fingerprint).matches("h1 sha256:[0-9a-f]{8}");
    Policy got = admin.getPolicy(GetPolicyRequest.newBuilder().setName("policies/jwt").build());
    assertThat(got.getJwtAuth().getSecretKeysList()).containsExactly(fingerprint);
    assertThat(admin.listPolicies(ListPoliciesRequest.getDefaultInstance()).toString())
        .doesNotContain(secret);
    assertThat(admin.exportConfig(ExportConfigRequest.getDefaultInstance()).toString())
        .doesNotContain(secret);

    // An update of the JWT settings that gives no secret keeps the stored one.
    Policy updated =
        admin.updatePolicy(
            UpdatePolicyRequest.newBuilder()
                .setPolicy(
                    got.toBuilder().setJwtAuth(got.getJwtAuth().toBuilder().addAudiences("api")))
                .setUpdateMask(FieldMask.newBuilder().addPaths("jwt_auth"))
                .build());
    assertThat(updated.getJwtAuth().getSecretKeysList()).containsExactly(fingerprint);
    assertThat(updated.getJwtAuth().getAudiencesList()).containsExactly("api");
    assertThat(
            admin
                .getRevision(
                    GetRevisionRequest.newBuilder().setRevision(cp.server().revision()).build())
                .toString())
        .doesNotContain(secret);

    // Without HS256 the secret has no use: it goes.
    Policy asymmetric =
        admin.updatePolicy(
            UpdatePolicyRequest.newBuilder()
                .setPolicy(
                    updated.toBuilder()
                        .setJwtAuth(
                            updated.getJwtAuth().toBuilder()
                                .clearAlgorithms()
                                .clearSecretKeys()
                                .setJwksUri("https://issuer.example/jwks.json")))
                .setUpdateMask(FieldMask.newBuilder().addPaths("jwt_auth"))
                .build());
    assertThat(asymmetric.getJwtAuth().getSecretKeysList()).isEmpty();
  }
}
