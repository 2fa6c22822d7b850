package dev.concierge.dataplane.tls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Reads the SNI host name out of the TLS ClientHello at the start of a connection's bytes, without
 * consuming them, so the node can configure the connection's SSLEngine for that name before the
 * handshake starts (RFC 8446 §4.1.2, RFC 6066 §3). The ClientHello may span several handshake
 * records, which may arrive across several reads. Bounded: the handshake message may be at most
 * {@link #MAX_HELLO_BYTES} and the records carrying it at most {@link #MAX_RECORD_BYTES} in all;
 * anything larger, or anything that is not a well-formed ClientHello, is reported rather than
 * parsed further. Stateless and thread-safe: each call parses from the buffer's position.
 */
public final class ClientHelloSni {
  /**
   * The most bytes of records read to find the ClientHello (real ones are ~0.5-2 KiB); below the
   * JDK's packet buffer size, so what was read fits the TLS connection that takes it over.
   */
  public static final int MAX_RECORD_BYTES = 16 * 1024;

  private static final int RECORD_HEADER = 5;

  /** The largest ClientHello message read: what fits in {@link #MAX_RECORD_BYTES} of records. */
  public static final int MAX_HELLO_BYTES = MAX_RECORD_BYTES - RECORD_HEADER;

  private static final int MAX_RECORD_PAYLOAD = 16 * 1024;
  private static final int HANDSHAKE = 22;
  private static final int CLIENT_HELLO = 1;
  private static final int SERVER_NAME = 0;
  private static final int HOST_NAME = 0;

  /** What the bytes so far say. */
  public enum Status {
    /** The ClientHello is not complete yet: read more and ask again. */
    NEED_MORE,
    /** A ClientHello with an SNI host name ({@link Result#host()}). */
    FOUND,
    /** A well-formed ClientHello without an SNI host name. */
    NO_SNI,
    /** Not a well-formed TLS ClientHello. */
    MALFORMED,
    /** The ClientHello (or the records carrying it) exceed the bounds. */
    TOO_LARGE
  }

  /**
   * The outcome of one parse.
   *
   * @param host the SNI host name when {@link Status#FOUND}, else null
   */
  public record Result(Status status, @Nullable String host) {
    static final Result NEED_MORE = new Result(Status.NEED_MORE, null);
    static final Result NO_SNI = new Result(Status.NO_SNI, null);
    static final Result MALFORMED = new Result(Status.MALFORMED, null);
    static final Result TOO_LARGE = new Result(Status.TOO_LARGE, null);
  }

  private ClientHelloSni() {}

  /** Parses {@code bytes} from its position to its limit; the buffer is not changed. */
  public static Result parse(ByteBuffer bytes) {
    int start = bytes.position();
    int limit = bytes.limit();
    int at = start;
    byte[] hello = null;
    int helloLength = 0;
    int needed = -1;
    while (true) {
      if (limit - at < RECORD_HEADER) {
        return needMore(limit - start);
      }
      if ((bytes.get(at) & 0xFF) != HANDSHAKE || (bytes.get(at + 1) & 0xFF) != 3) {
        return Result.MALFORMED;
      }
      int length = ((bytes.get(at + 3) & 0xFF) << 8) | (bytes.get(at + 4) & 0xFF);
      if (length == 0 || length > MAX_RECORD_PAYLOAD) {
        return Result.MALFORMED; // RFC 8446 §5.1: no empty handshake fragments
      }
      if (limit - at - RECORD_HEADER < length) {
        return needMore(limit - start);
      }
      if (hello == null) {
        hello = new byte[Math.min(MAX_HELLO_BYTES, length)];
      }
      int take = Math.min(length, MAX_HELLO_BYTES - helloLength);
      if (helloLength + take > hello.length) {
        hello = java.util.Arrays.copyOf(hello, Math.min(MAX_HELLO_BYTES, helloLength + length));
      }
      bytes.get(at + RECORD_HEADER, hello, helloLength, take);
      helloLength += take;
      at += RECORD_HEADER + length;
      if (needed < 0 && helloLength >= 4) {
        if ((hello[0] & 0xFF) != CLIENT_HELLO) {
          return Result.MALFORMED;
        }
        needed = 4 + (((hello[1] & 0xFF) << 16) | ((hello[2] & 0xFF) << 8) | (hello[3] & 0xFF));
        if (needed > MAX_HELLO_BYTES) {
          return Result.TOO_LARGE;
        }
      }
      if (needed >= 0 && helloLength >= needed) {
        return clientHello(hello, 4, needed);
      }
      if (at - start >= MAX_RECORD_BYTES) {
        return Result.TOO_LARGE;
      }
    }
  }

  private static Result needMore(int buffered) {
    return buffered >= MAX_RECORD_BYTES ? Result.TOO_LARGE : Result.NEED_MORE;
  }

  /** The ClientHello body in {@code b[from, to)}. */
  private static Result clientHello(byte[] b, int from, int to) {
    Cursor in = new Cursor(b, from, to);
    if (!in.skip(2 + 32) // legacy_version, random
        || !in.skip(in.u8()) // legacy_session_id
        || !in.skip(in.u16()) // cipher_suites
        || !in.skip(in.u8())) { // legacy_compression_methods
      return Result.MALFORMED;
    }
    if (in.at == in.end) {
      return Result.NO_SNI; // a TLS 1.2 hello may have no extensions at all
    }
    int extensionsLength = in.u16();
    if (extensionsLength < 0 || in.at + extensionsLength != in.end) {
      return Result.MALFORMED;
    }
    while (in.at < in.end) {
      int type = in.u16();
      int length = in.u16();
      if (length < 0 || in.at + length > in.end) {
        return Result.MALFORMED;
      }
      if (type == SERVER_NAME) {
        return serverName(new Cursor(b, in.at, in.at + length));
      }
      in.at += length;
    }
    return Result.NO_SNI;
  }

  /** The server_name extension's body: a list of (name_type, name). */
  private static Result serverName(Cursor in) {
    int listLength = in.u16();
    if (listLength <= 0 || in.at + listLength != in.end) {
      return Result.MALFORMED;
    }
    while (in.at < in.end) {
      int nameType = in.u8();
      int length = in.u16();
      if (nameType < 0 || length <= 0 || in.at + length > in.end) {
        return Result.MALFORMED;
      }
      if (nameType == HOST_NAME) {
        for (int i = in.at; i < in.at + length; i++) {
          int c = in.bytes[i] & 0xFF;
          if (c <= 0x20 || c >= 0x7F) {
            return Result.MALFORMED; // host names are printable ASCII (RFC 6066 §3)
          }
        }
        return new Result(
            Status.FOUND, new String(in.bytes, in.at, length, StandardCharsets.US_ASCII));
      }
      in.at += length;
    }
    return Result.NO_SNI;
  }

  /** A bounds-checked reader; reads past the end answer -1. */
  private static final class Cursor {
    final byte[] bytes;
    final int end;
    int at;

    Cursor(byte[] bytes, int at, int end) {
      this.bytes = bytes;
      this.at = at;
      this.end = end;
    }

    int u8() {
      return at + 1 > end ? -1 : bytes[at++] & 0xFF;
    }

    int u16() {
      if (at + 2 > end) {
        return -1;
      }
      int value = ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
      at += 2;
      return value;
    }

    boolean skip(int n) {
      if (n < 0 || at + n > end) {
        return false;
      }
      at += n;
      return true;
    }
  }
}
