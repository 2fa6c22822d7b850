package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

/** One backend address of a compiled cluster, with its effective weight (at least 1) and priority. */
public record Endpoint(String host, int port, int weight, int priority) {
  public Endpoint {
    requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    if (weight < 1) {
      throw new IllegalArgumentException("weight must be at least 1: " + weight);
    }
    if (priority < 0) {
      throw new IllegalArgumentException("priority must not be negative: " + priority);
    }
  }

  /** The URI host form: IPv6 literals need brackets. */
  public String uriHost() {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  @Override
  public String toString() {
    return uriHost() + ":" + port;
  }
}
