/** The Jetty carrier: ProxyHandler and HttpClient, for upstreams the lean carrier does not speak yet. */
package dev.concierge.dataplane.transport.jetty;
