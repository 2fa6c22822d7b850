package dev.concierge.controlplane.auth;

import io.grpc.Context;
import org.jspecify.annotations.Nullable;

/**
 * Which node makes the current discovery, reporting or renewal call: the id in its client
 * certificate, put in the gRPC {@link Context} by {@link NodeCertificateInterceptor}. Never what
 * the node's requests claim.
 */
public final class NodeCaller {
  private static final Context.Key<String> NODE_ID = Context.key("concierge-node-id");

  private NodeCaller() {}

  /** The certified node id of the current call, or null when it came without a certificate. */
  public static @Nullable String current() {
    return NODE_ID.get();
  }

  /** A child of the current context whose caller is node {@code nodeId}. */
  public static Context as(String nodeId) {
    return Context.current().withValue(NODE_ID, nodeId);
  }
}
