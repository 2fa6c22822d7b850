package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.server.Request;

/**
 * What a cluster's balancer takes from each request as its 64-bit seed ({@link LoadBalancer}):
 * nothing ({@link #none()}: round robin over one level, which then pays nothing), a random number
 * ({@link #random()}), or the hash of a request key: the client address, a header, a cookie or the
 * path. A request without the key (no such header or cookie) gets a random number, so it goes to an
 * endpoint drawn at random. Computed once per request, allocation-free. Immutable.
 */
public abstract class RequestHash {
  private static final RequestHash NONE =
      new RequestHash() {
        @Override
        public long seed(Request request, RandomGenerator random) {
          return 0;
        }
      };

  private static final RequestHash RANDOM =
      new RequestHash() {
        @Override
        public long seed(Request request, RandomGenerator random) {
          return random.nextLong();
        }
      };

  private RequestHash() {}

  /** The seed for {@code request}; {@code random} serves draws and requests without the key. */
  public abstract long seed(Request request, RandomGenerator random);

  /** Whether the balancer takes no seed, so the handler need not ask. */
  public final boolean isNone() {
    return this == NONE;
  }

  /** No seed: 0 for every request. */
  public static RequestHash none() {
    return NONE;
  }

  /** A random number per request. */
  public static RequestHash random() {
    return RANDOM;
  }

  /** The hash of the connection's peer address. */
  public static RequestHash sourceIp() {
    return new RequestHash() {
      @Override
      public long seed(Request request, RandomGenerator random) {
        SocketAddress peer = request.getConnectionMetaData().getRemoteSocketAddress();
        if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
          // InetAddress hashes its bytes, the same on every node and JVM; mix spreads it.
          return Picks.mix(inet.getAddress().hashCode());
        }
        return random.nextLong();
      }
    };
  }

  /** The hash of the (first) value of header {@code name}. */
  public static RequestHash header(String name) {
    requireNonNull(name, "name");
    return new RequestHash() {
      @Override
      public long seed(Request request, RandomGenerator random) {
        String value = request.getHeaders().get(name);
        return value == null ? random.nextLong() : Picks.hash(value);
      }
    };
  }

  /** The hash of the value of cookie {@code name}. */
  public static RequestHash cookie(String name) {
    requireNonNull(name, "name");
    return new RequestHash() {
      @Override
      public long seed(Request request, RandomGenerator random) {
        String line = CookieValues.line(request.getHeaders(), name);
        return line == null ? random.nextLong() : cookieHash(line, name);
      }
    };
  }

  /** The hash of the path (without the query). */
  public static RequestHash path() {
    return new RequestHash() {
      @Override
      public long seed(Request request, RandomGenerator random) {
        String path = request.getHttpURI().getPath();
        return path == null ? random.nextLong() : Picks.hash(path);
      }
    };
  }

  /** What {@link #cookieHash} answers when the cookie is not there; a hash may collide, fine. */
  static final long NO_COOKIE = 0x6e6f636f6f6b6965L;

  /**
   * The hash of the value of cookie {@code name} in a Cookie header ({@code a=1; b=2}), scanned in
   * place; {@link #NO_COOKIE} when absent.
   */
  static long cookieHash(String header, String name) {
    long range = CookieValues.range(header, name);
    return range == CookieValues.ABSENT
        ? NO_COOKIE
        : Picks.hash(header, CookieValues.from(range), CookieValues.to(range));
  }
}
