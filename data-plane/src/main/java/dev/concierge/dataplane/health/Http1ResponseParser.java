package dev.concierge.dataplane.health;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Reads one HTTP/1.x response to a health check, fed in pieces as they arrive: the status, the
 * framing headers, and the body as Content-Length, chunked or close-delimited framing says (none
 * for HEAD, 1xx, 204 and 304), keeping at most the first {@link HttpProber#MAX_BODY} bytes when
 * asked to. A body longer than that ends the response early and makes the connection unusable.
 * Interim 1xx answers are skipped. Not thread-safe: one check's, on the prober's selector thread.
 */
final class Http1ResponseParser {
  /** The longest status, header, chunk-size or trailer line accepted. */
  static final int MAX_LINE = 8 * 1024;

  /** The most header (or trailer) bytes accepted. */
  static final int MAX_HEAD = 32 * 1024;

  /** The response is not HTTP/1.x, or breaks its framing. */
  static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }

  private enum State {
    STATUS,
    HEADERS,
    FIXED_BODY,
    CHUNK_SIZE,
    CHUNK_DATA,
    CHUNK_END,
    TRAILERS,
    CLOSE_DELIMITED_BODY,
    DONE
  }

  private final boolean head;
  private final boolean keepBody;
  private State state = State.STATUS;
  private byte[] line = new byte[128];
  private int lineLength;
  private int headBytes;
  private boolean anyBytes;
  private int status;
  private boolean http11;
  private boolean connectionClose;
  private boolean connectionKeepAlive;
  private boolean chunked;
  private boolean otherTransferCoding;
  private long contentLength = -1;
  private long remaining;
  private long bodySeen;
  private boolean truncated;
  private byte @Nullable [] body;
  private int bodyLength;

  /**
   * A parser for the answer to a HEAD ({@code head}) or GET request that keeps the body's first
   * bytes when {@code keepBody}.
   */
  Http1ResponseParser(boolean head, boolean keepBody) {
    this.head = head;
    this.keepBody = keepBody;
  }

  /**
   * Consumes {@code input} up to the end of the response; returns whether the response is complete.
   * Bytes after the end are left in {@code input}.
   */
  boolean feed(ByteBuffer input) throws MalformedException {
    if (input.hasRemaining()) {
      anyBytes = true;
    }
    while (input.hasRemaining() && state != State.DONE) {
      switch (state) {
        case STATUS -> {
          String text = readLine(input);
          if (text != null) {
            parseStatus(text);
            state = State.HEADERS;
          }
        }
        case HEADERS -> {
          String text = readLine(input);
          if (text != null) {
            if (text.isEmpty()) {
              endOfHead();
            } else {
              parseHeader(text);
            }
          }
        }
        case FIXED_BODY -> {
          int take = (int) Math.min(remaining, input.remaining());
          body(input, take);
          remaining -= take;
          if (remaining == 0) {
            state = State.DONE;
          }
        }
        case CHUNK_SIZE -> {
          String text = readLine(input);
          if (text != null) {
            remaining = chunkSize(text);
            state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
          }
        }
        case CHUNK_DATA -> {
          int take = (int) Math.min(remaining, input.remaining());
          body(input, take);
          remaining -= take;
          if (remaining == 0) {
            state = State.CHUNK_END;
          }
        }
        case CHUNK_END -> {
          String text = readLine(input);
          if (text != null) {
            if (!text.isEmpty()) {
              throw new MalformedException("chunk not followed by CRLF");
            }
            state = State.CHUNK_SIZE;
          }
        }
        case TRAILERS -> {
          String text = readLine(input);
          if (text != null && text.isEmpty()) {
            state = State.DONE;
          }
        }
        case CLOSE_DELIMITED_BODY -> body(input, input.remaining());
        case DONE -> throw new AssertionError("unreachable");
      }
      if (truncated) {
        state = State.DONE;
      }
    }
    return state == State.DONE;
  }

  /**
   * The connection ended; returns whether that completes the response (a close-delimited body),
   * else it was cut short.
   */
  boolean endOfInput() throws MalformedException {
    if (state == State.CLOSE_DELIMITED_BODY) {
      state = State.DONE;
      return true;
    }
    if (state == State.DONE) {
      return true;
    }
    throw new MalformedException(
        anyBytes ? "connection closed before the response ended" : "connection closed");
  }

  /** Whether any byte of the response arrived. */
  boolean anyBytes() {
    return anyBytes;
  }

  /** Whether the status line and headers are in (then {@link #status} holds). */
  boolean headComplete() {
    return state.compareTo(State.HEADERS) > 0;
  }

  /** The final status, once the head is complete. */
  int status() {
    return status;
  }

  /** Whether the connection may carry another request once this response is complete. */
  boolean reusable() {
    return state == State.DONE
        && !truncated
        && !otherTransferCoding
        && !connectionClose
        && (http11 || connectionKeepAlive);
  }

  /** The first {@link HttpProber#MAX_BODY} bytes of the body as text, when kept. */
  String bodyText() {
    return body == null ? "" : new String(body, 0, bodyLength, StandardCharsets.UTF_8);
  }

  private void body(ByteBuffer input, int take) {
    long room = HttpProber.MAX_BODY - bodySeen;
    int kept = (int) Math.min(take, room);
    if (keepBody && kept > 0) {
      if (body == null) {
        body = new byte[Math.min(HttpProber.MAX_BODY, Math.max(kept, 1024))];
      }
      if (bodyLength + kept > body.length) {
        body = Arrays.copyOf(body, Math.min(HttpProber.MAX_BODY, 2 * (bodyLength + kept)));
      }
      input.get(body, bodyLength, kept);
      bodyLength += kept;
    } else {
      input.position(input.position() + kept);
    }
    bodySeen += kept;
    // Past the limit the verdict cannot change; the rest is not worth reading.
    if (kept < take) {
      truncated = true;
    }
  }

  private void parseStatus(String text) throws MalformedException {
    // HTTP/1.1 200 OK
    if (text.length() < 12
        || !text.startsWith("HTTP/1.")
        || (text.charAt(7) != '0' && text.charAt(7) != '1')
        || text.charAt(8) != ' '
        || (text.length() > 12 && text.charAt(12) != ' ')) {
      throw new MalformedException("bad status line");
    }
    int code = 0;
    for (int i = 9; i < 12; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        throw new MalformedException("bad status line");
      }
      code = code * 10 + (c - '0');
    }
    if (code < 100) {
      throw new MalformedException("bad status " + code);
    }
    status = code;
    http11 = text.charAt(7) == '1';
  }

  private void parseHeader(String text) throws MalformedException {
    if (text.charAt(0) == ' ' || text.charAt(0) == '\t') {
      return; // an obsolete folded line: it continues a header the check does not read
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new MalformedException("bad header line");
    }
    String name = text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
    String value = text.substring(colon + 1).trim();
    switch (name) {
      case "content-length" -> {
        long length;
        try {
          length = value.isEmpty() || value.charAt(0) == '+' ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
          length = -1;
        }
        if (length < 0 || (contentLength >= 0 && contentLength != length)) {
          throw new MalformedException("bad Content-Length");
        }
        contentLength = length;
      }
      case "transfer-encoding" -> {
        String lower = value.toLowerCase(Locale.ROOT);
        // Chunked must be the last coding; anything else is read until the connection closes.
        int comma = lower.lastIndexOf(',');
        String last = (comma < 0 ? lower : lower.substring(comma + 1)).trim();
        if (last.equals("chunked")) {
          chunked = true;
        } else {
          chunked = false;
          otherTransferCoding = true;
        }
      }
      case "connection" -> {
        String lower = value.toLowerCase(Locale.ROOT);
        for (int start = 0; start <= lower.length(); ) {
          int comma = lower.indexOf(',', start);
          int end = comma < 0 ? lower.length() : comma;
          String token = lower.substring(start, end).trim();
          connectionClose |= token.equals("close");
          connectionKeepAlive |= token.equals("keep-alive");
          start = end + 1;
        }
      }
      default -> {}
    }
  }

  private void endOfHead() {
    if (status < 200 && status != 101) {
      // An interim answer (100 Continue, 103 Early Hints): the real one follows.
      status = 0;
      contentLength = -1;
      chunked = false;
      otherTransferCoding = false;
      connectionClose = false;
      connectionKeepAlive = false;
      headBytes = 0;
      state = State.STATUS;
      return;
    }
    if (head || status == 204 || status == 304 || status == 101) {
      state = State.DONE;
    } else if (chunked || otherTransferCoding) {
      // RFC 9112 6.3: Transfer-Encoding overrides Content-Length.
      connectionClose |= contentLength >= 0;
      state = chunked ? State.CHUNK_SIZE : State.CLOSE_DELIMITED_BODY;
    } else if (contentLength >= 0) {
      remaining = contentLength;
      state = contentLength == 0 ? State.DONE : State.FIXED_BODY;
    } else {
      connectionClose = true;
      state = State.CLOSE_DELIMITED_BODY;
    }
    if (status == 101) {
      connectionClose = true; // a switched protocol is no HTTP/1.1 connection to reuse
    }
  }

  private static long chunkSize(String text) throws MalformedException {
    int end = text.indexOf(';');
    String hex = (end < 0 ? text : text.substring(0, end)).trim();
    if (hex.isEmpty() || hex.length() > 15) {
      throw new MalformedException("bad chunk size");
    }
    long size = 0;
    for (int i = 0; i < hex.length(); i++) {
      int digit = Character.digit(hex.charAt(i), 16);
      if (digit < 0) {
        throw new MalformedException("bad chunk size");
      }
      size = size * 16 + digit;
    }
    return size;
  }

  /** The next line without its CRLF (or bare LF), or null when it has not all arrived. */
  private @Nullable String readLine(ByteBuffer input) throws MalformedException {
    while (input.hasRemaining()) {
      byte b = input.get();
      if (state != State.CHUNK_SIZE && state != State.CHUNK_END && ++headBytes > MAX_HEAD) {
        throw new MalformedException("response head too big");
      }
      if (b == '\n') {
        int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        lineLength = 0;
        return new String(line, 0, length, StandardCharsets.ISO_8859_1);
      }
      if (lineLength == MAX_LINE) {
        throw new MalformedException("line too long");
      }
      if (lineLength == line.length) {
        line = Arrays.copyOf(line, Math.min(MAX_LINE, line.length * 2));
      }
      line[lineLength++] = b;
    }
    return null;
  }
}
