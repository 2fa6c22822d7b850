package dev.concierge.dataplane.transport.lean;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.jspecify.annotations.Nullable;

/**
 * Parses the head of an upstream HTTP/1.x response, strictly, and relays its end-to-end fields into
 * the client response's fields: hop-by-hop fields, those named by {@code Connection}, and the
 * fields that reveal the backend ({@code Server}, {@code X-Powered-By}) are dropped; the backend's
 * {@code Date} replaces the node's own. What the body framing needs (status, version, {@code
 * Content-Length}, chunked, {@code Connection} tokens) is kept in fields of this object.
 *
 * <p>It replaces Jetty's {@code HttpParser} for the head because that parser's generality (a
 * byte-at-a-time state machine, two trie lookups per field, compliance modes) made the head of a
 * nine-field response cost about 2.5 µs, an eighth of a proxied 1 KiB request. Here the head is
 * gathered whole, then scanned once; a field name is recognised by a hash of its lower-cased bytes,
 * and known names are relayed with Jetty's canonical {@link HttpHeader}, so the server side still
 * sees {@code Content-Length} and {@code Content-Type} for what they are.
 *
 * <p>Rejected (as nginx does, the client gets 502): a status line that is not {@code HTTP/1.0} or
 * {@code HTTP/1.1} with a three-digit status; {@code 101} (the node never asks to upgrade); a field
 * line without a colon, with whitespace before it or a non-token name; a folded line; control
 * characters in a value; a bare CR; a {@code Content-Length} that is not one decimal number
 * (repeats must agree); a transfer coding other than {@code chunked}; both {@code Content-Length}
 * and {@code Transfer-Encoding}; a head longer than the limit. Lines may end in LF alone. Not
 * thread-safe: one per upstream connection.
 */
public final class ResponseHeadParser {
  /** {@link #contentLength} when the head has no {@code Content-Length}. */
  static final long NO_LENGTH = -1;

  private static final byte[] TOKEN = tokenTable();
  private static final byte[] PROXY_PREFIX = "proxy-".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CHUNKED = "chunked".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLOSE = "close".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEEP_ALIVE = "keep-alive".getBytes(StandardCharsets.US_ASCII);
  private static final HttpHeader[] HEADERS;
  private static final byte[][] HEADER_NAMES;
  private static final int HEADERS_MASK;

  static {
    int size = 512;
    HEADERS = new HttpHeader[size];
    HEADER_NAMES = new byte[size][];
    HEADERS_MASK = size - 1;
    for (HttpHeader header : HttpHeader.values()) {
      if (header.isPseudo()) {
        continue;
      }
      byte[] name = header.lowerCaseName().getBytes(StandardCharsets.US_ASCII);
      int hash = 0;
      for (byte b : name) {
        hash = 31 * hash + b;
      }
      int slot = mix(hash) & HEADERS_MASK;
      while (HEADERS[slot] != null) {
        slot = (slot + 1) & HEADERS_MASK;
      }
      HEADERS[slot] = header;
      HEADER_NAMES[slot] = name;
    }
  }

  private final int maxHeadSize;
  private final HttpField[] lastFields = new HttpField[HttpHeader.values().length];
  private byte[] head = new byte[1024];
  private int length;
  private int scanned;
  private @Nullable List<String> connectionNames;

  // The last complete head.
  int status;
  boolean http10;
  long contentLength;
  boolean chunked;
  boolean close;
  boolean keepAlive;

  /** A parser for heads of at most {@code maxHeadSize} bytes. */
  public ResponseHeadParser(int maxHeadSize) {
    this.maxHeadSize = maxHeadSize;
  }

  /** Forgets any partial head: the next bytes start a new one. */
  public void reset() {
    length = 0;
    scanned = 0;
  }

  /**
   * Takes head bytes from {@code buffer}. Returns false when the head is not complete yet (all of
   * {@code buffer} was taken; call again with more). Returns true when it is: the bytes after the
   * head stay in {@code buffer}, the fields above describe it and, unless it is interim (1xx), its
   * fields were added to {@code relayed}.
   */
  public boolean parse(ByteBuffer buffer, HttpFields.Mutable relayed) throws IOException {
    int take = Math.min(buffer.remaining(), maxHeadSize - length);
    if (head.length < length + take) {
      byte[] bigger = new byte[Math.min(maxHeadSize, Math.max(head.length * 2, length + take))];
      System.arraycopy(head, 0, bigger, 0, length);
      head = bigger;
    }
    buffer.get(head, length, take);
    length += take;
    int end = findEnd();
    if (end < 0) {
      if (length >= maxHeadSize) {
        throw new IOException("upstream response head larger than " + maxHeadSize + " bytes");
      }
      return false;
    }
    buffer.position(buffer.position() - (length - end));
    parseHead(end, relayed);
    return true;
  }

  /** Rejects control characters (a CR among them) other than HTAB in {@code [start, end)}. */
  private void checkText(int start, int end) throws IOException {
    byte[] b = head;
    for (int i = start; i < end; i++) {
      int c = b[i] & 0xFF;
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        throw bad(
            c == '\r' ? "bare CR in the response head" : "control character in the response head");
      }
    }
  }

  /** The index just past the empty line ending the head, or -1; leading empty lines skipped. */
  private int findEnd() {
    byte[] b = head;
    int i = scanned;
    if (i == 0) {
      while (i < length && (b[i] == '\r' || b[i] == '\n')) {
        i++;
      }
      if (i == length) {
        length = 0; // only empty lines so far: nothing to keep
        return -1;
      }
    }
    for (; i < length; i++) {
      if (b[i] != '\n') {
        continue;
      }
      if (i + 1 < length && b[i + 1] == '\n') {
        return i + 2;
      }
      if (i + 2 < length && b[i + 1] == '\r' && b[i + 2] == '\n') {
        return i + 3;
      }
      if (i + 2 >= length) {
        break; // the LF's successors are not all here yet: look again from it
      }
    }
    scanned = Math.max(0, Math.min(i, length));
    return -1;
  }

  private void parseHead(int end, HttpFields.Mutable relayed) throws IOException {
    byte[] b = head;
    int p = 0;
    while (b[p] == '\r' || b[p] == '\n') {
      p++;
    }
    int lineEnd = lineEnd(p, end);
    parseStatusLine(p, lineEnd);
    checkText(p, lineEnd);
    p = next(lineEnd, end);
    boolean interim = status < 200;
    contentLength = NO_LENGTH;
    chunked = false;
    close = false;
    keepAlive = false;
    connectionNames = null;
    boolean transferEncoding = false;
    while (p < end) {
      lineEnd = lineEnd(p, end);
      if (lineEnd == p) {
        break; // the empty line
      }
      if (b[p] == ' ' || b[p] == '\t') {
        throw bad("folded header line");
      }
      int nameStart = p;
      int hash = 0;
      int colon = p;
      for (; colon < lineEnd && b[colon] != ':'; colon++) {
        byte c = b[colon];
        if (TOKEN[c & 0xFF] == 0) {
          throw bad("invalid header name");
        }
        hash = 31 * hash + (c | 0x20);
      }
      if (colon == p || colon == lineEnd) {
        throw bad("header line without a name and colon");
      }
      int valueStart = colon + 1;
      int valueEnd = lineEnd;
      while (valueStart < valueEnd && (b[valueStart] == ' ' || b[valueStart] == '\t')) {
        valueStart++;
      }
      while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
        valueEnd--;
      }
      checkText(valueStart, valueEnd);
      p = next(lineEnd, end);
      if (interim) {
        continue;
      }
      HttpHeader header = lookup(hash, nameStart, colon);
      if (header == null) {
        if (colon - nameStart > PROXY_PREFIX.length && lowerEquals(nameStart, PROXY_PREFIX)) {
          continue; // Proxy-*: meant for a proxy, like the known ones below
        }
        relayed.add(new HttpField(ascii(nameStart, colon), ascii(valueStart, valueEnd)));
        continue;
      }
      switch (header) {
        case CONTENT_LENGTH -> {
          long value = parseLength(valueStart, valueEnd);
          if (contentLength != NO_LENGTH && contentLength != value) {
            throw bad("conflicting Content-Length values");
          }
          if (contentLength == NO_LENGTH) {
            relayed.add(field(header, valueStart, valueEnd, value));
          }
          contentLength = value;
        }
        case TRANSFER_ENCODING -> {
          if (transferEncoding
              || valueEnd - valueStart != CHUNKED.length
              || !lowerEquals(valueStart, CHUNKED)) {
            throw bad("unsupported Transfer-Encoding");
          }
          transferEncoding = true;
          chunked = true;
        }
        case CONNECTION -> connectionTokens(valueStart, valueEnd);
        case KEEP_ALIVE,
            TE,
            TRAILER,
            UPGRADE,
            PROXY_AUTHENTICATE,
            PROXY_AUTHORIZATION,
            PROXY_CONNECTION,
            SERVER,
            X_POWERED_BY -> {
          // hop-by-hop, or identifies the backend
        }
        case DATE -> relayed.put(field(header, valueStart, valueEnd, 0));
        default -> relayed.add(field(header, valueStart, valueEnd, 0));
      }
    }
    if (transferEncoding && contentLength != NO_LENGTH) {
      throw bad("both Content-Length and Transfer-Encoding");
    }
    if (connectionNames != null) {
      for (String name : connectionNames) {
        relayed.remove(name);
      }
    }
  }

  private void parseStatusLine(int p, int lineEnd) throws IOException {
    byte[] b = head;
    if (lineEnd - p < 12 || !regionEquals(p, "HTTP/1.") || b[p + 8] != ' ') {
      throw bad("malformed status line");
    }
    if (b[p + 7] == '1') {
      http10 = false;
    } else if (b[p + 7] == '0') {
      http10 = true;
    } else {
      throw bad("unsupported HTTP version");
    }
    int code = 0;
    for (int i = p + 9; i < p + 12; i++) {
      int digit = b[i] - '0';
      if (digit < 0 || digit > 9) {
        throw bad("malformed status code");
      }
      code = code * 10 + digit;
    }
    if (code < 100 || (lineEnd > p + 12 && b[p + 12] != ' ')) {
      throw bad("malformed status code");
    }
    if (code == 101) {
      throw bad("101 Switching Protocols to a request that asked for no upgrade");
    }
    status = code;
  }

  /**
   * The end of the line starting at {@code p} (before its CR LF or LF). A CR anywhere else is
   * rejected where the line is read: it is neither a token nor allowed in a value or reason.
   */
  private int lineEnd(int p, int end) {
    byte[] b = head;
    int i = p;
    while (i < end && b[i] != '\n') {
      i++;
    }
    return i > p && b[i - 1] == '\r' ? i - 1 : i;
  }

  /** The start of the line after the one ending at {@code lineEnd}. */
  private int next(int lineEnd, int end) {
    int i = lineEnd;
    if (i < end && head[i] == '\r') {
      i++;
    }
    return i < end ? i + 1 : end;
  }

  private @Nullable HttpHeader lookup(int hash, int start, int colon) {
    int length = colon - start;
    for (int slot = mix(hash) & HEADERS_MASK;
        HEADERS[slot] != null;
        slot = (slot + 1) & HEADERS_MASK) {
      byte[] name = HEADER_NAMES[slot];
      if (name.length == length && lowerEquals(start, name)) {
        return HEADERS[slot];
      }
    }
    return null;
  }

  private boolean lowerEquals(int start, byte[] lower) {
    for (int i = 0; i < lower.length; i++) {
      byte c = head[start + i];
      if (c >= 'A' && c <= 'Z') {
        c = (byte) (c + 32);
      }
      if (c != lower[i]) {
        return false;
      }
    }
    return true;
  }

  private boolean regionEquals(int start, String text) {
    for (int i = 0; i < text.length(); i++) {
      if (head[start + i] != text.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private long parseLength(int start, int end) throws IOException {
    if (start == end || end - start > 18) {
      throw bad("invalid Content-Length");
    }
    long value = 0;
    for (int i = start; i < end; i++) {
      int digit = head[i] - '0';
      if (digit < 0 || digit > 9) {
        throw bad("invalid Content-Length");
      }
      value = value * 10 + digit;
    }
    return value;
  }

  private void connectionTokens(int start, int end) {
    int i = start;
    while (i < end) {
      int comma = i;
      while (comma < end && head[comma] != ',') {
        comma++;
      }
      int s = i;
      int e = comma;
      while (s < e && (head[s] == ' ' || head[s] == '\t')) {
        s++;
      }
      while (e > s && (head[e - 1] == ' ' || head[e - 1] == '\t')) {
        e--;
      }
      if (e - s == CLOSE.length && lowerEquals(s, CLOSE)) {
        close = true;
      } else if (e - s == KEEP_ALIVE.length && lowerEquals(s, KEEP_ALIVE)) {
        keepAlive = true;
      } else if (e > s) {
        if (connectionNames == null) {
          connectionNames = new ArrayList<>(2);
        }
        connectionNames.add(ascii(s, e));
      }
      i = comma + 1;
    }
  }

  /**
   * A field of a known header with the value in {@code [start, end)}: the one this connection
   * relayed last for that header when the value is the same (fields are immutable), else a new one
   * that is remembered. A backend repeats most values (types, lengths of the same resource, {@code
   * Accept-Ranges}, the date within a second), so most fields allocate nothing.
   */
  @SuppressWarnings("EnumOrdinal") // an array by ordinal is EnumMap without the boxing, per field
  private HttpField field(HttpHeader header, int start, int end, long longValue) {
    int ordinal = header.ordinal();
    HttpField last = lastFields[ordinal];
    if (last != null && sameText(last.getValue(), start, end)) {
      return last;
    }
    String value = ascii(start, end);
    HttpField field =
        header == HttpHeader.CONTENT_LENGTH
            ? new HttpField.LongValueHttpField(header, header.asString(), value, longValue)
            : new HttpField(header, header.asString(), value);
    lastFields[ordinal] = field;
    return field;
  }

  private boolean sameText(String text, int start, int end) {
    if (text.length() != end - start) {
      return false;
    }
    byte[] b = head;
    for (int i = start; i < end; i++) {
      if (text.charAt(i - start) != (b[i] & 0xFF)) {
        return false;
      }
    }
    return true;
  }

  private String ascii(int start, int end) {
    return new String(head, start, end - start, StandardCharsets.ISO_8859_1);
  }

  private static IOException bad(String reason) {
    return new IOException("bad upstream response: " + reason);
  }

  private static int mix(int hash) {
    return hash ^ (hash >>> 16) ^ (hash >>> 7);
  }

  private static byte[] tokenTable() {
    byte[] table = new byte[256];
    for (int c = '0'; c <= '9'; c++) {
      table[c] = 1;
    }
    for (int c = 'A'; c <= 'Z'; c++) {
      table[c] = 1;
      table[c + 32] = 1;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      table[c] = 1;
    }
    return table;
  }
}
