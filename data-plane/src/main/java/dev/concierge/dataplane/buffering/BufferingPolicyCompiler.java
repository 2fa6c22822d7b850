package dev.concierge.dataplane.buffering;

import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import org.jspecify.annotations.Nullable;

/** Compiles a route's {@code request_body} into a {@link BufferingPolicy}. Stateless. */
public final class BufferingPolicyCompiler implements PolicyCompiler<BufferingPolicy> {
  @Override
  public PolicyKey<BufferingPolicy> key() {
    return BufferingPolicy.KEY;
  }

  @Override
  public @Nullable BufferingPolicy compile(Route route) {
    if (!route.hasRequestBody()) {
      return null;
    }
    RequestBodyPolicy body = route.getRequestBody();
    BufferingPolicy.Mode mode =
        body.getMode() == RequestBodyPolicy.Mode.STREAM
            ? BufferingPolicy.Mode.STREAM
            : BufferingPolicy.Mode.BUFFER;
    if (mode == BufferingPolicy.Mode.BUFFER && body.getMaxBytes() == 0) {
      return null; // the default
    }
    return new BufferingPolicy(mode, body.getMaxBytes());
  }
}
