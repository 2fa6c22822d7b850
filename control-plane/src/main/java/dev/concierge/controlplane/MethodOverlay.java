package dev.concierge.controlplane;

import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.Map;
import java.util.Set;

/**
 * One gRPC service served by several implementations: ManagementService's resource methods stay in
 * its class while the token and audit methods live beside what they serve.
 */
final class MethodOverlay {
  private MethodOverlay() {}

  /**
   * {@code base} with the methods named (by bare name) in each entry's set taken from that entry's
   * definition of the same service.
   */
  static ServerServiceDefinition of(
      ServerServiceDefinition base, Map<ServerServiceDefinition, Set<String>> overlays) {
    ServerServiceDefinition.Builder b =
        ServerServiceDefinition.builder(base.getServiceDescriptor());
    for (ServerMethodDefinition<?, ?> m : base.getMethods()) {
      String bare = m.getMethodDescriptor().getBareMethodName();
      ServerMethodDefinition<?, ?> chosen = m;
      for (Map.Entry<ServerServiceDefinition, Set<String>> o : overlays.entrySet()) {
        if (o.getValue().contains(bare)) {
          chosen = o.getKey().getMethod(m.getMethodDescriptor().getFullMethodName());
        }
      }
      if (chosen == null) {
        throw new IllegalArgumentException("no method " + bare + " in its overlay");
      }
      b.addMethod(chosen);
    }
    return b.build();
  }
}
