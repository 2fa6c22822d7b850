package dev.concierge.dataplane.buffering;

import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import java.util.function.Consumer;

/** Compiles a route's {@code request_body} into a {@link BufferingPolicy}. Stateless. */
public final class BufferingPolicyCompiler implements PolicyCompiler<BufferingPolicy> {
  /** Largest {@code max_bytes} a route may ask for: 1 TiB. */
  public static final long MAX_BYTES = 1L << 40;

  @Override
  public PolicyKey<BufferingPolicy> key() {
    return BufferingPolicy.KEY;
  }

  @Override
  public BufferingPolicy compile(Route route, Consumer<String> problems) {
    if (!route.hasRequestBody()) {
      return null;
    }
    RequestBodyPolicy body = route.getRequestBody();
    BufferingPolicy.Mode mode;
    switch (body.getMode()) {
      case MODE_UNSPECIFIED, BUFFER -> mode = BufferingPolicy.Mode.BUFFER;
      case STREAM -> mode = BufferingPolicy.Mode.STREAM;
      default -> {
        problems.accept("request_body.mode: unknown mode " + body.getModeValue());
        return null;
      }
    }
    if (body.getMaxBytes() < 0 || body.getMaxBytes() > MAX_BYTES) {
      problems.accept("request_body.max_bytes: " + Long.toUnsignedString(body.getMaxBytes())
          + " is above 1 TiB");
      return null;
    }
    if (mode == BufferingPolicy.Mode.BUFFER && body.getMaxBytes() == 0) {
      return null; // the default
    }
    return new BufferingPolicy(mode, body.getMaxBytes());
  }
}
