package dev.concierge.controlplane.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.ApiToken;
import dev.concierge.api.v1.AuditEvent;
import dev.concierge.api.v1.CreateJoinTokenRequest;
import dev.concierge.api.v1.CreateJoinTokenResponse;
import dev.concierge.api.v1.CreateTokenRequest;
import dev.concierge.api.v1.CreateTokenResponse;
import dev.concierge.api.v1.DeleteTokenRequest;
import dev.concierge.api.v1.JoinToken;
import dev.concierge.api.v1.ListAuditEventsRequest;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ListJoinTokensRequest;
import dev.concierge.api.v1.ListJoinTokensResponse;
import dev.concierge.api.v1.ListTokensRequest;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.RevokeJoinTokenRequest;
import dev.concierge.api.v1.TokenRole;
import dev.concierge.controlplane.ControlPlaneServer;
import dev.concierge.controlplane.InProcessControlPlane;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named tokens through a real control plane on a loopback port. */
class TokenServiceTest {
  @TempDir Path dir;
  private ControlPlaneServer server;
  private ManagedChannel channel;
  private ManagementServiceBlockingStub admin;

  @BeforeEach
  void start() throws Exception {
    server = ControlPlaneServer.builder().dataDir(dir).bindAddress("127.0.0.1").grpcPort(0).build();
    server.start();
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InProcessControlPlane.tls(server))
            .build();
    admin = as(server.adminToken());
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  private ManagementServiceBlockingStub as(String secret) {
    return InProcessControlPlane.withToken(ManagementServiceGrpc.newBlockingStub(channel), secret);
  }

  private CreateTokenResponse create(ManagementServiceBlockingStub stub, String name) {
    return stub.createToken(CreateTokenRequest.newBuilder().setName(name).build());
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      return Status.fromThrowable(e).getCode();
    }
    return Status.Code.OK;
  }

  @Test
  void aCreatedTokenAuthenticatesUnderItsName() {
    CreateTokenResponse ci = create(admin, "ci");
    assertThat(ci.getSecret()).matches("[A-Za-z0-9_-]{43}");
    assertThat(ci.getToken().getCreatedBy()).isEqualTo("admin");

    CreateTokenResponse deploy = create(as(ci.getSecret()), "deploy");

    assertThat(deploy.getToken().getCreatedBy()).isEqualTo("ci");
    assertThat(admin.listTokens(ListTokensRequest.getDefaultInstance()).getTokensList())
        .extracting(ApiToken::getName, ApiToken::getCreatedBy)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("admin", ""),
            org.assertj.core.groups.Tuple.tuple("ci", "admin"),
            org.assertj.core.groups.Tuple.tuple("deploy", "ci"));
    assertThat(admin.listTokens(ListTokensRequest.getDefaultInstance()).toString())
        .doesNotContain(ci.getSecret());
    AuditEvent newest =
        admin.listAuditEvents(ListAuditEventsRequest.getDefaultInstance()).getEvents(0);
    assertThat(newest.getTokenName()).isEqualTo("ci");
    assertThat(newest.getResource()).isEqualTo("deploy");
    assertThat(newest.getClientAddress()).startsWith("127.0.0.1:");
  }

  @Test
  void aDeletedTokenIsRefusedAtOnce() {
    String secret = create(admin, "ci").getSecret();
    assertThat(code(() -> as(secret).listClusters(ListClustersRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.OK);

    admin.deleteToken(DeleteTokenRequest.newBuilder().setName("ci").build());

    assertThat(code(() -> as(secret).listClusters(ListClustersRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void refusesBadNamesDuplicatesAndDeletingTheBootstrapToken() {
    create(admin, "ci");
    assertThat(code(() -> create(admin, "ci"))).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(code(() -> create(admin, "admin"))).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(code(() -> create(admin, "Bad_Name"))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            code(() -> admin.deleteToken(DeleteTokenRequest.newBuilder().setName("admin").build())))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(
            code(() -> admin.deleteToken(DeleteTokenRequest.newBuilder().setName("nope").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void tokensSurviveARestart() throws Exception {
    String secret = create(admin, "ci").getSecret();
    int port = server.port();
    server.close();
    server =
        ControlPlaneServer.builder().dataDir(dir).bindAddress("127.0.0.1").grpcPort(port).build();
    server.start();

    assertThat(code(() -> as(secret).listClusters(ListClustersRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.OK);
  }

  @Test
  void aReadOnlyTokenReadsEverythingAndChangesNothing() {
    CreateTokenResponse viewer =
        admin.createToken(
            CreateTokenRequest.newBuilder()
                .setName("viewer")
                .setRole(TokenRole.TOKEN_ROLE_READ_ONLY)
                .build());
    assertThat(viewer.getToken().getRole()).isEqualTo(TokenRole.TOKEN_ROLE_READ_ONLY);
    Map<String, Status.Code> codes = new TreeMap<>();
    for (MethodDescriptor<?, ?> m :
        ManagementServiceGrpc.getServiceDescriptor().getMethods().stream()
            .map(MethodDescriptor.class::cast)
            .toList()) {
      codes.put(m.getBareMethodName(), code(() -> callWithDefaultRequest(m, viewer.getSecret())));
    }

    List<String> denied =
        codes.entrySet().stream()
            .filter(e -> e.getValue() == Status.Code.PERMISSION_DENIED)
            .map(Map.Entry::getKey)
            .toList();
    assertThat(denied)
        .containsExactlyInAnyOrder(
            "CreateCluster",
            "UpdateCluster",
            "DeleteCluster",
            "CreateRoute",
            "UpdateRoute",
            "DeleteRoute",
            "CreateCertificate",
            "UpdateCertificate",
            "DeleteCertificate",
            "CreatePolicy",
            "UpdatePolicy",
            "DeletePolicy",
            "CreateConsumer",
            "UpdateConsumer",
            "DeleteConsumer",
            "CreateConsumerKey",
            "DeleteConsumerKey",
            "SetBasicCredential",
            "DeleteBasicCredential",
            "Apply",
            "Rollback",
            "CreateToken",
            "DeleteToken",
            "CreateJoinToken",
            "RevokeJoinToken",
            "RevokeNode",
            "RenewCertificate");
    assertThat(codes)
        .containsEntry("ListClusters", Status.Code.OK)
        .containsEntry("ListPolicies", Status.Code.OK)
        .containsEntry("ListConsumers", Status.Code.OK)
        .containsEntry("ListTokens", Status.Code.OK)
        .containsEntry("ListAuditEvents", Status.Code.OK)
        .containsEntry("GetStats", Status.Code.OK)
        .containsEntry("ExportConfig", Status.Code.OK)
        .containsEntry("ListJoinTokens", Status.Code.OK);
    // The refusal names the role, and the audit log keeps it under the token's name.
    assertThatThrownBy(
            () ->
                as(viewer.getSecret())
                    .deleteToken(DeleteTokenRequest.newBuilder().setName("viewer").build()))
        .hasMessageContaining("PERMISSION_DENIED")
        .hasMessageContaining("\"viewer\" has the role read-only")
        .hasMessageContaining("DeleteToken needs an admin token");
    AuditEvent newest =
        admin.listAuditEvents(ListAuditEventsRequest.getDefaultInstance()).getEvents(0);
    assertThat(newest.getTokenName()).isEqualTo("viewer");
    assertThat(newest.getCode()).isEqualTo("PERMISSION_DENIED");
  }

  @Test
  void tokensAreAdminUnlessToldOtherwise() {
    create(admin, "ci");
    admin.createToken(
        CreateTokenRequest.newBuilder()
            .setName("viewer")
            .setRole(TokenRole.TOKEN_ROLE_READ_ONLY)
            .build());

    assertThat(admin.listTokens(ListTokensRequest.getDefaultInstance()).getTokensList())
        .extracting(ApiToken::getName, ApiToken::getRole)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("admin", TokenRole.TOKEN_ROLE_ADMIN),
            org.assertj.core.groups.Tuple.tuple("ci", TokenRole.TOKEN_ROLE_ADMIN),
            org.assertj.core.groups.Tuple.tuple("viewer", TokenRole.TOKEN_ROLE_READ_ONLY));
    assertThat(
            code(
                () ->
                    admin.createToken(
                        CreateTokenRequest.newBuilder().setName("odd").setRoleValue(7).build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  private <ReqT, RespT> void callWithDefaultRequest(
      MethodDescriptor<ReqT, RespT> m, String secret) {
    @SuppressWarnings("unchecked")
    ReqT request =
        ((MethodDescriptor.PrototypeMarshaller<ReqT>) m.getRequestMarshaller())
            .getMessagePrototype();
    Metadata headers = new Metadata();
    headers.put(AdminAuthInterceptor.AUTHORIZATION, "Bearer " + secret);
    ClientCalls.blockingUnaryCall(
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
        m,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        request);
  }

  @Test
  void joinTokensAreListedWithoutSecretsAndRevoked() {
    CreateJoinTokenResponse created =
        admin.createJoinToken(
            CreateJoinTokenRequest.newBuilder()
                .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(600))
                .build());
    JoinToken token = created.getToken();
    assertThat(created.getSecret()).startsWith(token.getId() + ".");
    assertThat(token.getExpireTime().getSeconds() - token.getCreateTime().getSeconds())
        .isEqualTo(600);
    assertThat(token.getCreatedBy()).isEqualTo("admin");

    ListJoinTokensResponse list = admin.listJoinTokens(ListJoinTokensRequest.getDefaultInstance());
    assertThat(list.getTokensList()).containsExactly(token);
    assertThat(list.toString()).doesNotContain(created.getSecret().substring(9));

    admin.revokeJoinToken(RevokeJoinTokenRequest.newBuilder().setId(token.getId()).build());
    assertThat(admin.listJoinTokens(ListJoinTokensRequest.getDefaultInstance()).getTokensList())
        .isEmpty();
    assertThat(
            code(
                () ->
                    admin.revokeJoinToken(
                        RevokeJoinTokenRequest.newBuilder().setId(token.getId()).build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(
            code(
                () ->
                    admin.createJoinToken(
                        CreateJoinTokenRequest.newBuilder()
                            .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                            .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void callerIsRefusedOutsideACall() throws Exception {
    assertThat(Caller.current()).isNull();
    assertThatThrownBy(Caller::name).isInstanceOf(IllegalStateException.class);
    assertThat(Caller.as("job").wrap(Caller::name).call()).isEqualTo("job");
  }
}
