package dev.concierge.dataplane.cluster;

/** The protocol a node speaks to a cluster's endpoints, compiled from {@code Cluster.protocol}. */
public enum UpstreamProtocol {
  /** HTTP/1.1 with keep-alive connections (the lean transport). */
  HTTP1,
  /** HTTP/2 with prior knowledge (h2c), multiplexed on pooled connections (the Jetty client). */
  HTTP2
}
