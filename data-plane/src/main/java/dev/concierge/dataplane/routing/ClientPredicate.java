package dev.concierge.dataplane.routing;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.client.ClientFacts;
import org.eclipse.jetty.server.Request;

/**
 * A predicate on what the node knows of the client (address, device, country, time), read from the
 * request's context, which computes each fact once. Outside the proxy chain nothing is known and
 * the predicate fails.
 */
abstract class ClientPredicate implements RequestPredicate {
  @Override
  public final boolean test(Request request) {
    ClientFacts facts = RequestContext.of(request);
    return facts != null && test(facts);
  }

  /** Whether the client satisfies this predicate. */
  abstract boolean test(ClientFacts client);
}
