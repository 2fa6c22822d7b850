package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * How a split keeps one client on one cluster: by a cookie the node sets, or by the hash of a
 * request header. Immutable; the split it is given to precomputes all it needs per cluster.
 */
public abstract sealed class SplitStickiness {
  private SplitStickiness() {}

  /**
   * Cookie stickiness: the cookie's value is an opaque token of the cluster, the first 16 hex
   * digits of SHA-256 over the route and cluster names, the same on every node and revision, so
   * neither cluster names nor backends show; it is opaque, not secret.
   *
   * @param routeName keys the token, so two routes' tokens differ
   * @param ttl the cookie's Max-Age; {@link Duration#ZERO} for a session cookie
   * @param path the cookie's Path, "/" when empty
   */
  public static SplitStickiness cookie(String name, Duration ttl, String path, String routeName) {
    return new Cookie(name, ttl, path.isEmpty() ? "/" : path, routeName);
  }

  /** Header stickiness: the hash of the (first) value of header {@code name} picks the cluster. */
  public static SplitStickiness header(String name) {
    return new Header(name);
  }

  /** Cookie stickiness, see {@link #cookie}. */
  static final class Cookie extends SplitStickiness {
    final String name;
    final Duration ttl;
    final String path;
    final String routeName;

    Cookie(String name, Duration ttl, String path, String routeName) {
      this.name = requireNonNull(name, "name");
      this.ttl = requireNonNull(ttl, "ttl");
      this.path = requireNonNull(path, "path");
      this.routeName = requireNonNull(routeName, "routeName");
    }

    /** The cookie value that names {@code clusterName}. */
    String token(String clusterName) {
      try {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(routeName.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(clusterName.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JVM has SHA-256", e);
      }
    }

    /** The Set-Cookie value naming a cluster by {@code token}. */
    String setCookie(String token, boolean secure) {
      StringBuilder b = new StringBuilder(name).append('=').append(token);
      b.append("; Path=").append(path);
      if (!ttl.isZero()) {
        b.append("; Max-Age=").append(ttl.toSeconds());
      }
      b.append("; HttpOnly; SameSite=Lax");
      if (secure) {
        b.append("; Secure");
      }
      return b.toString();
    }
  }

  /** Header stickiness, see {@link #header}. */
  static final class Header extends SplitStickiness {
    final String name;

    Header(String name) {
      this.name = requireNonNull(name, "name");
    }
  }
}
