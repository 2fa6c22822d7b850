package dev.concierge.dataplane.chain;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Request;

/**
 * How a client request's body is framed, the same way for every stage and transport: by {@code
 * Content-Length}, by {@code Transfer-Encoding} (HTTP/1.1), or by the end of the stream (HTTP/2 and
 * HTTP/3, where a request without {@code content-length}, gRPC's always, has a body of unknown
 * length that ends with the stream). Stateless.
 */
public final class BodyFraming {
  private BodyFraming() {}

  /**
   * Whether {@code request} may have a body whose length is not announced: chunked HTTP/1.1, or an
   * HTTP/2 or HTTP/3 request without {@code content-length} (which may also turn out empty).
   */
  public static boolean unknownLength(Request request) {
    if (request.getLength() >= 0) {
      return false;
    }
    return request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING) || isMultiplexed(request);
  }

  /** Whether {@code request} came over HTTP/2 or HTTP/3 (a field read). */
  public static boolean isMultiplexed(Request request) {
    HttpVersion version = request.getConnectionMetaData().getHttpVersion();
    return version == HttpVersion.HTTP_2 || version == HttpVersion.HTTP_3;
  }
}
