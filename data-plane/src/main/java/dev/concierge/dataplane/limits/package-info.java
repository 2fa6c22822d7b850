/**
 * Before the request path: the connection-limits policy (a fleet default) applied to the node's
 * listeners: connections per client address and per node counted at accept, requests per connection
 * and request head limits judged by the HTTP/1.1 connection, refusals counted.
 */
@NullMarked
package dev.concierge.dataplane.limits;

import org.jspecify.annotations.NullMarked;
