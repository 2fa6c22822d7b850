package dev.concierge.dataplane.answer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** A fixed status, content type and body, encoded once per snapshot. Immutable, thread-safe. */
public final class DirectResponse implements LocalAnswer {
  private final int status;
  private final String contentType;
  private final ByteBuffer body;

  /**
   * @param status 200-599
   * @param contentType of the body
   * @param body sent as UTF-8
   */
  public DirectResponse(int status, String contentType, String body) {
    this.status = status;
    this.contentType = contentType;
    this.body = ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
  }

  @Override
  public void write(Request request, Response response, Callback callback) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
    boolean head = HttpMethod.HEAD.is(request.getMethod());
    // Each answer reads its own view of the shared bytes.
    response.write(true, head ? null : body.slice(), callback);
  }

  @Override
  public String toString() {
    return "direct response " + status;
  }
}
