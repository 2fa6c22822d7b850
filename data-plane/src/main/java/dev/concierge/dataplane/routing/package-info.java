/** Request path, stage 1: matches host and path to a compiled route and pins it on the request. */
package dev.concierge.dataplane.routing;
