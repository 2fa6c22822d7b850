/**
 * Node-lifetime, off the request path: active health checks (HTTP or TCP) of each endpoint of the
 * clusters that ask for them, whose verdicts the balancers read through the endpoints' state.
 */
@NullMarked
package dev.concierge.dataplane.health;

import org.jspecify.annotations.NullMarked;
