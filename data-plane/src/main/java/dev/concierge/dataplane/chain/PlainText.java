package dev.concierge.dataplane.chain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** The node's own short text/plain answers (errors and admin pages); non-blocking. */
public final class PlainText {
  private PlainText() {}

  /** Writes {@code status} with {@code body} and completes {@code callback} when written. */
  public static void write(Response response, Callback callback, int status, String body) {
    write(response, callback, status, "text/plain; charset=utf-8", body);
  }

  /** Writes {@code status} with a body of the given content type and completes {@code callback}. */
  public static void write(
      Response response, Callback callback, int status, String contentType, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
