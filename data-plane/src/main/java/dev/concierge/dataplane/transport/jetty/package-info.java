/**
 * The Jetty carrier: ProxyHandler and HttpClient, for upstreams the lean carrier does not speak
 * yet.
 */
@NullMarked
package dev.concierge.dataplane.transport.jetty;

import org.jspecify.annotations.NullMarked;
