package dev.concierge.dataplane.routing;

import org.eclipse.jetty.server.Request;

/**
 * A compiled test of a request beyond host and path (method now; headers, query and client address
 * with traffic management). Runs on candidates the host/path index already narrowed; reads the
 * request only. Immutable, thread-safe.
 */
public interface RequestPredicate {
  /** Whether {@code request} satisfies this predicate. */
  boolean test(Request request);
}
