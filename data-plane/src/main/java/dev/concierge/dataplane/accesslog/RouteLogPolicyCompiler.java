package dev.concierge.dataplane.accesslog;

import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Compiles a route's {@code access_log} into an {@link RouteLogPolicy}. Stateless. */
public final class RouteLogPolicyCompiler implements PolicyCompiler<RouteLogPolicy> {
  @Override
  public PolicyKey<RouteLogPolicy> key() {
    return RouteLogPolicy.KEY;
  }

  @Override
  public @Nullable RouteLogPolicy compile(Route route) {
    if (!route.hasAccessLog()) {
      return null;
    }
    dev.concierge.api.v1.AccessLogPolicy log = route.getAccessLog();
    if (log.getDisabled()) {
      return RouteLogPolicy.off();
    }
    double ratio = log.getSampleRatio() == 0 ? 1.0 : log.getSampleRatio();
    Set<String> secrets = Set.copyOf(log.getSecretQueryParamsList());
    if (ratio >= 1 && secrets.isEmpty()) {
      return RouteLogPolicy.every();
    }
    return RouteLogPolicy.of(ratio, secrets);
  }
}
