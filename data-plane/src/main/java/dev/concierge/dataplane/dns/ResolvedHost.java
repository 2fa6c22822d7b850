package dev.concierge.dataplane.dns;

import static java.util.Objects.requireNonNull;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The addresses of one endpoint host as last resolved, which the transports read on connect: an IP
 * literal's own address, or a DNS name's addresses once its {@link HostResolver} has resolved it
 * (none until then). A name with several addresses is used round robin, one address per connect.
 * Reading never blocks or looks anything up; thread-safe.
 */
public final class ResolvedHost {
  private final String name;
  private final boolean literal;
  private final AtomicInteger next = new AtomicInteger();
  private volatile @Nullable Addresses addresses;

  /** One resolution: the addresses and their URI host forms, index by index. Never changed. */
  private static final class Addresses {
    private final InetAddress[] ips;
    private final String[] uriHosts;

    Addresses(InetAddress[] ips, String[] uriHosts) {
      this.ips = ips;
      this.uriHosts = uriHosts;
    }

    InetAddress[] ips() {
      return ips;
    }

    String[] uriHosts() {
      return uriHosts;
    }
  }

  private ResolvedHost(String name, boolean literal) {
    this.name = requireNonNull(name, "name");
    this.literal = literal;
  }

  /** An IP literal: resolved for good, without any lookup. */
  static ResolvedHost literal(String host, InetAddress address) {
    ResolvedHost resolved = new ResolvedHost(host, true);
    resolved.update(new InetAddress[] {address});
    return resolved;
  }

  /** A DNS name, unresolved until {@link #update}. */
  static ResolvedHost name(String host) {
    return new ResolvedHost(host, false);
  }

  /** The host as configured. */
  public String name() {
    return name;
  }

  /** Whether the host is an IP literal (never looked up). */
  public boolean isLiteral() {
    return literal;
  }

  /** Whether there is an address to connect to. */
  public boolean isResolved() {
    return addresses != null;
  }

  /** The address to connect to at {@code port} (the next one, round robin), or null if none. */
  public @Nullable InetSocketAddress socketAddress(int port) {
    Addresses current = addresses;
    if (current == null) {
      return null;
    }
    return new InetSocketAddress(current.ips()[index(current.ips().length)], port);
  }

  /** The next address in URI form ("10.0.0.1", "[::1]"), round robin, or null if none. */
  public @Nullable String uriHost() {
    Addresses current = addresses;
    if (current == null) {
      return null;
    }
    return current.uriHosts()[index(current.uriHosts().length)];
  }

  private int index(int count) {
    return count == 1 ? 0 : Math.floorMod(next.getAndIncrement(), count);
  }

  /** Installs a new resolution; an empty one is ignored (the last good one stays). */
  void update(InetAddress[] resolved) {
    if (resolved.length == 0) {
      return;
    }
    InetAddress[] ips = resolved.clone();
    String[] uriHosts = new String[ips.length];
    for (int i = 0; i < ips.length; i++) {
      String literal = ips[i].getHostAddress();
      uriHosts[i] = ips[i] instanceof Inet6Address ? "[" + literal + "]" : literal;
    }
    addresses = new Addresses(ips, uriHosts);
  }

  /** Equal when the same host is meant: the cache entry may be swapped, the host stays. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ResolvedHost other && other.literal == literal && other.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    Addresses current = addresses;
    return name + (current == null ? " (unresolved)" : " " + String.join(",", current.uriHosts()));
  }
}
