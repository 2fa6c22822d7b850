package dev.concierge.dataplane.transport.lean;

import dev.concierge.dataplane.upstream.RequestRewrite;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * Writes the head (request line and header block) of an upstream HTTP/1.1 request straight from the
 * client request's parsed parts: the header block is the route's {@link RequestRewrite} (one pass
 * over the client's {@link HttpFields}), the body framing is the proxy's own ({@code
 * Content-Length} when known, else chunked, see {@code bodyLength}). No {@code java.net.URI}, no
 * String concatenation.
 *
 * <p>Pure and stateless: thread-safe.
 */
public final class UpstreamRequestHead {
  /** {@code bodyLength} for a request without a body: neither Content-Length nor chunked. */
  public static final long NO_BODY = -2;

  /** {@code bodyLength} for a body of unknown length: {@code Transfer-Encoding: chunked}. */
  public static final long CHUNKED = -1;

  private UpstreamRequestHead() {}

  /**
   * Appends the request head to {@code out} (in fill mode).
   *
   * @param out where the bytes go; on {@link BufferOverflowException} its content is undefined and
   *     the caller retries with a larger buffer
   * @param rewrite the route's header rewrite
   * @param method the request method
   * @param path the path to send (the rewrite's choice); empty means "/"
   * @param rawQuery the query as sent, or {@code null}
   * @param clientVersion the client's protocol version (for Via)
   * @param fields the client request's headers
   * @param clientIp the X-Forwarded-For value to send (RequestRewrite.forwardedFor)
   * @param secure whether the client connection is TLS (X-Forwarded-Proto)
   * @param authority the client's URI authority, used for X-Forwarded-Host when there is no Host
   *     header; may be {@code null}
   * @param upstreamAuthority the endpoint's address ("host:port"), needed when the client sent no
   *     Host or the route sends the endpoint's (see RequestRewrite.headers)
   * @param request the client request, for the route's header templates; may be null only when the
   *     route has no request header edits
   * @param bodyLength a length &gt;= 0 for Content-Length, {@link #CHUNKED} or {@link #NO_BODY}
   * @throws BufferOverflowException if {@code out} is too small
   */
  public static void write(
      ByteBuffer out,
      RequestRewrite rewrite,
      String method,
      String path,
      @Nullable String rawQuery,
      HttpVersion clientVersion,
      HttpFields fields,
      String clientIp,
      boolean secure,
      @Nullable String authority,
      @Nullable String upstreamAuthority,
      @Nullable Request request,
      long bodyLength) {
    put(out, method);
    out.put((byte) ' ');
    if (path.isEmpty()) {
      out.put((byte) '/');
    } else {
      put(out, path);
    }
    if (rawQuery != null) {
      out.put((byte) '?');
      put(out, rawQuery);
    }
    put(out, " HTTP/1.1\r\n");
    rewrite.headers(
        fields,
        clientIp,
        secure,
        clientVersion,
        authority,
        upstreamAuthority,
        request,
        new Sink(out));
    if (bodyLength >= 0) {
      put(out, "Content-Length: ");
      putLong(out, bodyLength);
      put(out, "\r\n");
    } else if (bodyLength == CHUNKED) {
      put(out, "Transfer-Encoding: chunked\r\n");
    }
    put(out, "\r\n");
  }

  /** Header lines into a buffer. */
  private record Sink(ByteBuffer out) implements RequestRewrite.HeaderSink {
    @Override
    public void add(String name, String value) {
      putField(out, name, value);
    }
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
