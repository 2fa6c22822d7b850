package dev.concierge.dataplane.buffering;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * A streamed request whose body (of unknown length) may not exceed a limit: past it, reading fails
 * with 413, which ends the exchange (the client gets 413 if nothing was answered yet). Read by one
 * reader at a time, as every request body is.
 */
final class SizeLimitedRequest extends Request.Wrapper {
  private final long limit;
  private long read;

  SizeLimitedRequest(Request request, long limit) {
    super(request);
    this.limit = limit;
  }

  @Override
  public Content.Chunk read() {
    Content.Chunk chunk = super.read();
    if (chunk == null || Content.Chunk.isFailure(chunk)) {
      return chunk;
    }
    read += chunk.remaining();
    if (read > limit) {
      chunk.release();
      HttpException.RuntimeException tooLarge =
          new HttpException.RuntimeException(
              HttpStatus.PAYLOAD_TOO_LARGE_413, "request body too large");
      super.fail(tooLarge);
      return Content.Chunk.from(tooLarge, true);
    }
    return chunk;
  }
}
