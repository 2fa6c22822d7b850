package dev.concierge.dataplane.upstream;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;

/**
 * Writes the head (request line and header block) of an upstream HTTP/1.1 request straight from
 * the client request's parsed parts: one pass over the client's {@link HttpFields}, no
 * {@code java.net.URI}, no String concatenation.
 *
 * <p>The rewriting, same as {@link JettyProxyTransport}'s: hop-by-hop headers (Connection and the
 * headers it names, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-*) and Expect are
 * dropped; client-sent X-Forwarded-*, Forwarded and X-Real-IP are dropped and replaced by
 * X-Forwarded-For/-Proto/-Host of this hop; {@code Via: <version> concierge} is added; the body
 * framing is the proxy's own ({@code Content-Length} when known, else chunked, see
 * {@code bodyLength}). A missing Host is filled in with the upstream authority.
 *
 * <p>Pure and stateless: thread-safe.
 */
public final class UpstreamRequestHead {
  /** {@code bodyLength} for a request without a body: neither Content-Length nor chunked. */
  public static final long NO_BODY = -2;
  /** {@code bodyLength} for a body of unknown length: {@code Transfer-Encoding: chunked}. */
  public static final long CHUNKED = -1;

  private static final String VIA_HOST = " concierge";

  private UpstreamRequestHead() {}

  /**
   * Appends the request head to {@code out} (in fill mode).
   *
   * @param out where the bytes go; on {@link BufferOverflowException} its content is undefined
   *     and the caller retries with a larger buffer
   * @param method the request method
   * @param rawPath the path as the client sent it (still encoded), never decoded or normalised
   * @param rawQuery the query as sent, or {@code null}
   * @param clientVersion the client's protocol version (for Via)
   * @param fields the client request's headers
   * @param clientIp the client's address (X-Forwarded-For)
   * @param secure whether the client connection is TLS (X-Forwarded-Proto)
   * @param authority the client's URI authority, used for X-Forwarded-Host when there is no Host
   *     header; may be {@code null}
   * @param upstreamAuthority the Host to send when the client sent none ("host:port")
   * @param bodyLength a length &gt;= 0 for Content-Length, {@link #CHUNKED} or {@link #NO_BODY}
   * @throws BufferOverflowException if {@code out} is too small
   */
  public static void write(
      ByteBuffer out,
      String method,
      String rawPath,
      String rawQuery,
      HttpVersion clientVersion,
      HttpFields fields,
      String clientIp,
      boolean secure,
      String authority,
      String upstreamAuthority,
      long bodyLength) {
    put(out, method);
    out.put((byte) ' ');
    if (rawPath == null || rawPath.isEmpty()) {
      out.put((byte) '/');
    } else {
      put(out, rawPath);
    }
    if (rawQuery != null) {
      out.put((byte) '?');
      put(out, rawQuery);
    }
    put(out, " HTTP/1.1\r\n");

    String[] connectionTokens = fields.contains(HttpHeader.CONNECTION) ? connectionTokens(fields) : null;
    String host = null;
    for (HttpField field : fields) {
      HttpHeader header = field.getHeader();
      if (header != null) {
        switch (header) {
          case CONNECTION, KEEP_ALIVE, TE, TRAILER, TRANSFER_ENCODING, UPGRADE,
              PROXY_AUTHORIZATION, PROXY_AUTHENTICATE, PROXY_CONNECTION,
              X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST, X_FORWARDED_PORT,
              X_FORWARDED_SERVER, FORWARDED, EXPECT, CONTENT_LENGTH -> {
            continue;
          }
          case HOST -> {
            if (host != null) {
              continue; // a second Host: send the first only
            }
            host = field.getValue();
          }
          default -> {
            // copied below
          }
        }
      } else if (isDroppedByName(field.getName())) {
        continue;
      }
      if (connectionTokens != null && named(connectionTokens, field.getName())) {
        continue;
      }
      putField(out, field.getName(), field.getValue());
    }

    if (host == null) {
      putField(out, "Host", upstreamAuthority);
    }
    putField(out, "X-Forwarded-For", clientIp);
    putField(out, "X-Forwarded-Proto", secure ? "https" : "http");
    String forwardedHost = host != null ? host : authority;
    if (forwardedHost != null && !forwardedHost.isEmpty()) {
      putField(out, "X-Forwarded-Host", forwardedHost);
    }
    put(out, "Via: ");
    put(out, viaVersion(clientVersion));
    put(out, VIA_HOST);
    put(out, "\r\n");
    if (bodyLength >= 0) {
      put(out, "Content-Length: ");
      putLong(out, bodyLength);
      put(out, "\r\n");
    } else if (bodyLength == CHUNKED) {
      put(out, "Transfer-Encoding: chunked\r\n");
    }
    put(out, "\r\n");
  }

  private static String viaVersion(HttpVersion version) {
    if (version == null) {
      return "1.1";
    }
    return switch (version) {
      case HTTP_1_0 -> "1.0";
      case HTTP_2 -> "2";
      case HTTP_3 -> "3";
      case HTTP_0_9 -> "0.9";
      default -> "1.1";
    };
  }

  private static boolean isDroppedByName(String name) {
    return name.equalsIgnoreCase("X-Real-IP")
        || name.regionMatches(true, 0, "Proxy-", 0, 6);
  }

  /** Names listed in Connection (other than close/keep-alive); rare, so allocation is fine. */
  private static String[] connectionTokens(HttpFields fields) {
    java.util.List<String> names = new java.util.ArrayList<>(2);
    for (HttpField field : fields) {
      if (field.getHeader() == HttpHeader.CONNECTION) {
        for (String token : field.getValues()) {
          String t = token.trim();
          if (!t.isEmpty() && !t.equalsIgnoreCase("close") && !t.equalsIgnoreCase("keep-alive")) {
            names.add(t);
          }
        }
      }
    }
    return names.isEmpty() ? null : names.toArray(new String[0]);
  }

  private static boolean named(String[] tokens, String name) {
    for (String token : tokens) {
      if (token.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static void putField(ByteBuffer out, String name, String value) {
    put(out, name);
    out.put((byte) ':');
    out.put((byte) ' ');
    if (value != null) {
      put(out, value); // CR/LF cannot occur: Jetty's parser rejects them in names and values
    }
    out.put((byte) '\r');
    out.put((byte) '\n');
  }

  /** Latin-1 bytes as parsed; characters beyond Latin-1 (a UTF-8 decoded target) as UTF-8. */
  private static void put(ByteBuffer out, String s) {
    int length = s.length();
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (c < 0x100) {
        out.put((byte) c);
      } else {
        putUtf8(out, s, i);
        return;
      }
    }
  }

  private static void putUtf8(ByteBuffer out, String s, int from) {
    out.put(s.substring(from).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static void putLong(ByteBuffer out, long value) {
    if (value == 0) {
      out.put((byte) '0');
      return;
    }
    int digits = 0;
    for (long v = value; v > 0; v /= 10) {
      digits++;
    }
    int end = out.position() + digits;
    if (end > out.limit()) {
      throw new BufferOverflowException();
    }
    for (int p = end - 1; value > 0; p--) {
      out.put(p, (byte) ('0' + (int) (value % 10)));
      value /= 10;
    }
    out.position(end);
  }
}
