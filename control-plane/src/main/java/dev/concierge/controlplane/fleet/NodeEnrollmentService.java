package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.JoinRequest;
import dev.concierge.api.v1.NodeCertificate;
import dev.concierge.api.v1.NodeEnrollmentGrpc;
import dev.concierge.api.v1.RenewRequest;
import dev.concierge.controlplane.auth.JoinTokens;
import dev.concierge.controlplane.auth.NodeCaller;
import dev.concierge.controlplane.crypto.NodeCertificates;
import dev.concierge.controlplane.store.AuditRecord;
import dev.concierge.controlplane.store.JdbcAuditLog;
import dev.concierge.controlplane.store.JdbcRevokedNodes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NodeEnrollment: signs a node's CSR when it joins with a join token, and again when it renews with
 * its current certificate ({@link dev.concierge.controlplane.auth.NodeCertificateInterceptor} puts
 * the certified id in the context). Every answer, refusals included, goes to the audit log.
 * Thread-safe.
 */
public final class NodeEnrollmentService extends NodeEnrollmentGrpc.NodeEnrollmentImplBase {
  private static final Logger log = LoggerFactory.getLogger(NodeEnrollmentService.class);

  private final JoinTokens joinTokens;
  private final JdbcRevokedNodes revoked;
  private final NodeCertificates certificates;
  private final JdbcAuditLog audit;
  private final Clock clock;

  public NodeEnrollmentService(
      JoinTokens joinTokens,
      JdbcRevokedNodes revoked,
      NodeCertificates certificates,
      JdbcAuditLog audit,
      Clock clock) {
    this.joinTokens = requireNonNull(joinTokens, "joinTokens");
    this.revoked = requireNonNull(revoked, "revoked");
    this.certificates = requireNonNull(certificates, "certificates");
    this.audit = requireNonNull(audit, "audit");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public void join(JoinRequest request, StreamObserver<NodeCertificate> out) {
    String nodeId = request.getNodeId();
    String secret = request.getJoinToken();
    // The id before the dot names the token in the audit log; the secret after it never appears.
    int dot = secret.indexOf('.');
    String by = "join-token " + (dot == 8 ? secret.substring(0, dot) : "?");
    answer(
        "Join",
        by,
        nodeId,
        out,
        () -> {
          Optional<String> refusal = joinTokens.refusal(secret);
          if (refusal.isPresent()) {
            throw Status.UNAUTHENTICATED.withDescription(refusal.get()).asRuntimeException();
          }
          return issue(nodeId, request.getCsr().toByteArray());
        });
  }

  @Override
  public void renew(RenewRequest request, StreamObserver<NodeCertificate> out) {
    String nodeId = NodeCaller.current();
    if (nodeId == null) {
      out.onError(
          Status.UNAUTHENTICATED
              .withDescription("renewal needs the node's current client certificate")
              .asRuntimeException());
      return;
    }
    answer(
        "Renew",
        "node " + nodeId,
        nodeId,
        out,
        () -> issue(nodeId, request.getCsr().toByteArray()));
  }

  private X509Certificate issue(String nodeId, byte[] csr) {
    // Checked here as well as at every stream: a revoked node must not even get a certificate.
    if (NodeCertificates.NODE_ID.matcher(nodeId).matches() && revoked.isRevoked(nodeId)) {
      throw Status.PERMISSION_DENIED
          .withDescription("node \"" + nodeId + "\" is revoked")
          .asRuntimeException();
    }
    try {
      return certificates.issue(nodeId, csr);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
  }

  private interface Issue {
    X509Certificate run();
  }

  private void answer(
      String method, String by, String nodeId, StreamObserver<NodeCertificate> out, Issue issue) {
    Status status;
    NodeCertificate answer = null;
    try {
      X509Certificate cert = issue.run();
      answer =
          NodeCertificate.newBuilder()
              .setCertificateChain(certificates.pemChain(cert))
              .setNotAfter(ProtoTime.timestamp(cert.getNotAfter().toInstant()))
              .build();
      status = Status.OK;
      log.info(
          "{} node {}: certificate valid until {}",
          method.equals("Join") ? "joined" : "renewed",
          nodeId,
          cert.getNotAfter().toInstant());
    } catch (StatusRuntimeException e) {
      status = e.getStatus();
      log.info("refused {} of node {}: {}", method, nodeId, status.getDescription());
    } catch (RuntimeException e) {
      status = Status.UNAVAILABLE.withDescription("cannot issue: " + e.getMessage());
      log.warn("cannot issue a certificate to node {}", nodeId, e);
    }
    try {
      audit.record(
          new AuditRecord(
              clock.instant(),
              clipped(by, 63),
              "",
              NodeEnrollmentGrpc.SERVICE_NAME + "/" + method,
              clipped("nodes/" + nodeId, 256),
              status.getCode().name(),
              status.getDescription() == null ? "" : clipped(status.getDescription(), 1024)));
    } catch (RuntimeException e) {
      log.error("cannot write the audit record of {} of node {}", method, nodeId, e);
    }
    if (answer != null) {
      out.onNext(answer);
      out.onCompleted();
    } else {
      out.onError(status.asRuntimeException());
    }
  }

  private static String clipped(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
