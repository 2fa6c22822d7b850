package dev.concierge.dataplane.client;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The proxies in front of the node whose X-Forwarded-For it believes (a node setting, {@code
 * --trusted-proxy}). Behind a trusted peer the client is the first untrusted hop of X-Forwarded-For
 * read from the right (the hops a trusted proxy appended are true; anything further left may be
 * forged by the client). A hop that is no IP literal ends the walk: the client is then the last hop
 * that was read. Immutable, thread-safe.
 */
public final class TrustedProxies {
  private static final TrustedProxies NONE = new TrustedProxies(CidrSet.empty());

  private final CidrSet proxies;

  private TrustedProxies(CidrSet proxies) {
    this.proxies = requireNonNull(proxies, "proxies");
  }

  /** Trusts nobody: the client is always the peer. */
  public static TrustedProxies none() {
    return NONE;
  }

  /** Trusts the peers in {@code blocks}. */
  public static TrustedProxies of(CidrSet blocks) {
    return blocks.isEmpty() ? NONE : new TrustedProxies(blocks);
  }

  /** Whether no proxy is trusted (then no peer is). */
  public boolean isEmpty() {
    return proxies.isEmpty();
  }

  /** Whether {@code peer} is a trusted proxy. */
  public boolean trusts(ClientAddress peer) {
    return !proxies.isEmpty() && proxies.contains(peer);
  }

  /**
   * The client behind the trusted {@code peer}, from {@code headers}' X-Forwarded-For lines
   * (several lines read as one list, in order). Allocates: only for requests from a trusted proxy.
   */
  public ClientAddress clientBehind(ClientAddress peer, HttpFields headers) {
    List<String> lines = new ArrayList<>(1);
    for (HttpField field : headers) {
      if (field.getHeader() == HttpHeader.X_FORWARDED_FOR) {
        lines.add(field.getValue());
      }
    }
    ClientAddress client = peer;
    for (int line = lines.size() - 1; line >= 0; line--) {
      String value = lines.get(line);
      int end = value.length();
      while (end >= 0) {
        int comma = value.lastIndexOf(',', end - 1);
        String hop = value.substring(comma + 1, end).strip();
        end = comma;
        if (hop.isEmpty()) {
          continue;
        }
        ClientAddress address = ClientAddress.parseHop(hop);
        if (address == null) {
          return client;
        }
        client = address;
        if (!proxies.contains(address)) {
          return client;
        }
      }
    }
    return client;
  }

  @Override
  public String toString() {
    return proxies.toString();
  }
}
