/**
 * Request path, stage 1: matches a request (host, path, method) to a compiled route and pins it on
 * the request.
 */
@NullMarked
package dev.concierge.dataplane.routing;

import org.jspecify.annotations.NullMarked;
