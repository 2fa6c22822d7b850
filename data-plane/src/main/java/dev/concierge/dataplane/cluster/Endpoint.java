package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.UpstreamPeer;
import dev.concierge.dataplane.dns.HostResolver;
import dev.concierge.dataplane.dns.ResolvedHost;

/**
 * One backend address of a compiled cluster, with its effective weight (at least 1), priority,
 * node-lifetime {@link EndpointState}, the addresses its host resolves to ({@link ResolvedHost}:
 * what the transports connect to), and whether an operator drains it (no balancer has it then).
 */
public record Endpoint(
    String host,
    int port,
    int weight,
    int priority,
    EndpointState state,
    ResolvedHost resolved,
    boolean draining)
    implements UpstreamPeer {
  public Endpoint {
    requireNonNull(host, "host");
    requireNonNull(state, "state");
    requireNonNull(resolved, "resolved");
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

  /** An endpoint in rotation. */
  public Endpoint(
      String host, int port, int weight, int priority, EndpointState state, ResolvedHost resolved) {
    this(host, port, weight, priority, state, resolved, false);
  }

  /** An endpoint with a state of its own (tests, tools). */
  public Endpoint(String host, int port, int weight, int priority) {
    this(host, port, weight, priority, new EndpointState());
  }

  /**
   * An endpoint whose host, if a name, is looked up now on the calling thread (tests, tools; the
   * node's compiler resolves through its {@link dev.concierge.dataplane.dns.HostResolver}).
   */
  public Endpoint(String host, int port, int weight, int priority, EndpointState state) {
    this(host, port, weight, priority, state, HostResolver.onCaller().host(host));
  }

  /** The URI host form: IPv6 literals need brackets. */
  public String uriHost() {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** "host:port" in lower case, IPv6 literals in brackets: the key of its state. */
  @Override
  public String address() {
    return addressOf(host, port);
  }

  /** The address of an endpoint at {@code host} and {@code port}, as {@link #address()}. */
  public static String addressOf(String host, int port) {
    String uriHost = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return uriHost.toLowerCase(java.util.Locale.ROOT) + ":" + port;
  }

  @Override
  public String toString() {
    return address();
  }
}
