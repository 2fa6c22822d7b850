package dev.concierge.dataplane.chain;

/**
 * The endpoint an upstream try went to, as a {@link RequestContext} keeps it: kept by reference
 * when the try starts, its address made only when something (the access log) asks for it.
 */
public interface UpstreamPeer {
  /** "host:port", IPv6 literals in brackets. */
  String address();
}
