package dev.concierge.dataplane.runtime;

import dev.concierge.dataplane.access.IpAccessPolicyCompiler;
import dev.concierge.dataplane.accesslog.RouteLogPolicyCompiler;
import dev.concierge.dataplane.answer.LocalAnswerCompiler;
import dev.concierge.dataplane.buffering.BufferingPolicyCompiler;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.consumer.BasicAuthPolicyCompiler;
import dev.concierge.dataplane.consumer.KeyAuthPolicyCompiler;
import dev.concierge.dataplane.cors.CorsPolicyCompiler;
import dev.concierge.dataplane.jwt.JwtAuthPolicyCompiler;
import dev.concierge.dataplane.ratelimit.GlobalLimits;
import dev.concierge.dataplane.ratelimit.RateLimitPolicyCompiler;
import dev.concierge.dataplane.tls.RouteTlsCompiler;
import java.util.List;

/**
 * The one list of per-route policy compilers that {@link RuntimeCompiler} runs for every route. A
 * new concern adds its compiler here, its stage to {@code HandlerChain}, and nothing else.
 */
public final class PolicyCompilers {
  private PolicyCompilers() {}

  /**
   * Every policy compiler, in no particular order (each fills its own slot); GLOBAL rate limits go
   * through the node's {@code global}.
   */
  public static List<PolicyCompiler<?>> all(GlobalLimits global) {
    return List.of(
        new BufferingPolicyCompiler(),
        new IpAccessPolicyCompiler(),
        new CorsPolicyCompiler(),
        new KeyAuthPolicyCompiler(),
        new BasicAuthPolicyCompiler(),
        new JwtAuthPolicyCompiler(),
        new LocalAnswerCompiler(),
        new RateLimitPolicyCompiler(global),
        new RouteTlsCompiler(),
        new RouteLogPolicyCompiler());
  }
}
