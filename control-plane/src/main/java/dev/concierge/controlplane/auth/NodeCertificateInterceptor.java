package dev.concierge.controlplane.auth;

import static java.util.Objects.requireNonNull;

import dev.concierge.controlplane.crypto.NodeCertificates;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * Lets a node call through only over a TLS connection whose client certificate the fleet CA issued,
 * that is valid now and whose node is not revoked, and names that node in the call's context
 * ({@link NodeCaller}). Bearer tokens count for nothing here. Methods named as open (the join
 * itself) pass without a certificate. Thread-safe.
 */
public final class NodeCertificateInterceptor implements ServerInterceptor {
  private final NodeCertificates certificates;
  private final Predicate<String> revoked;
  private final Set<String> openMethods;

  /**
   * @param revoked whether a node id is revoked (may read the database)
   * @param openMethods bare method names that need no certificate
   */
  public NodeCertificateInterceptor(
      NodeCertificates certificates, Predicate<String> revoked, Set<String> openMethods) {
    this.certificates = requireNonNull(certificates, "certificates");
    this.revoked = requireNonNull(revoked, "revoked");
    this.openMethods = Set.copyOf(openMethods);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    X509Certificate[] chain = peerChain(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (chain.length == 0 && openMethods.contains(call.getMethodDescriptor().getBareMethodName())) {
      return next.startCall(call, headers);
    }
    if (chain.length == 0) {
      return refuse(
          call,
          Status.UNAUTHENTICATED.withDescription(
              "a node client certificate is required (mutual TLS); a node gets one by joining"
                  + " with a join token"));
    }
    String nodeId;
    try {
      nodeId = certificates.nodeIdOf(chain);
    } catch (NodeCertificates.CertificateRefused e) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(e.getMessage()));
    }
    try {
      if (revoked.test(nodeId)) {
        return refuse(
            call, Status.PERMISSION_DENIED.withDescription("node \"" + nodeId + "\" is revoked"));
      }
    } catch (RuntimeException e) {
      return refuse(
          call,
          Status.UNAVAILABLE.withDescription(
              "cannot check the node's revocation: " + e.getMessage()));
    }
    return Contexts.interceptCall(NodeCaller.as(nodeId), call, headers, next);
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(
      ServerCall<ReqT, RespT> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private static X509Certificate[] peerChain(@Nullable SSLSession session) {
    if (session == null) {
      return new X509Certificate[0];
    }
    try {
      Certificate[] certs = session.getPeerCertificates();
      X509Certificate[] chain = new X509Certificate[certs.length];
      for (int i = 0; i < certs.length; i++) {
        if (!(certs[i] instanceof X509Certificate x509)) {
          return new X509Certificate[0];
        }
        chain[i] = x509;
      }
      return chain;
    } catch (SSLPeerUnverifiedException e) {
      return new X509Certificate[0];
    }
  }
}
