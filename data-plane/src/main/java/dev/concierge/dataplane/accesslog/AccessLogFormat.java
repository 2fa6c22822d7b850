package dev.concierge.dataplane.accesslog;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/**
 * Writes entries as JSON lines, each ending in '\n': {@code time} (RFC 3339, UTC, milliseconds),
 * {@code client}, {@code method}, {@code host}, {@code path} (secret query values redacted), {@code
 * protocol}, {@code status}, {@code bytes_in}, {@code bytes_out}, {@code duration_ms}, {@code
 * upstream}, {@code upstream_ms}, {@code route}, {@code cluster}, {@code request_id}, {@code
 * trace_id}, {@code user_agent}, {@code tls}, {@code consumer}, {@code jwt_sub}; every field is
 * present, null when unknown. Reuses one generator and buffer: not thread-safe, owned by the writer
 * thread.
 */
final class AccessLogFormat {
  // Names quoted and encoded once: Jackson would escape each name's characters on every line.
  private static final SerializedString[] NAMES =
      AccessLog.FIELDS.stream().map(SerializedString::new).toArray(SerializedString[]::new);

  private final Buffer buffer = new Buffer();
  private final JsonGenerator json;
  private long second = Long.MIN_VALUE;
  private String secondText = "";

  AccessLogFormat() {
    try {
      json =
          new JsonFactoryBuilder()
              .rootValueSeparator((String) null)
              .build()
              .createGenerator(buffer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Formats {@code entry} and hands the line to {@code sink}. */
  void write(AccessLogEntry entry, LineSink sink) throws IOException {
    buffer.reset();
    json.writeStartObject();
    string(0, time(entry.startEpochMillis()));
    string(1, entry.client());
    string(2, entry.method());
    string(3, entry.host());
    string(4, QueryRedaction.redact(entry.path(), entry.secretQueryParams()));
    string(5, entry.protocol());
    json.writeFieldName(NAMES[6]);
    json.writeNumber(entry.status());
    json.writeFieldName(NAMES[7]);
    json.writeNumber(entry.bytesIn());
    json.writeFieldName(NAMES[8]);
    json.writeNumber(entry.bytesOut());
    json.writeFieldName(NAMES[9]);
    json.writeNumber(millis(entry.durationNanos()));
    string(10, entry.upstream());
    json.writeFieldName(NAMES[11]);
    if (entry.upstreamNanos() < 0) {
      json.writeNull();
    } else {
      json.writeNumber(millis(entry.upstreamNanos()));
    }
    string(12, entry.route());
    string(13, entry.cluster());
    string(14, entry.requestId());
    string(15, entry.trace().traceId());
    string(16, entry.userAgent());
    string(17, entry.tls());
    string(18, entry.consumer());
    string(19, entry.jwtSubject());
    json.writeEndObject();
    json.flush();
    buffer.write('\n');
    sink.line(buffer.bytes(), buffer.size());
  }

  /** Field {@code index} of {@link AccessLog#FIELDS} with a string value or null. */
  private void string(int index, @Nullable String value) throws IOException {
    json.writeFieldName(NAMES[index]);
    if (value == null) {
      json.writeNull();
    } else {
      json.writeString(value);
    }
  }

  /** Milliseconds, to the microsecond. */
  private static double millis(long nanos) {
    return Math.round(nanos / 1_000.0) / 1_000.0;
  }

  /** "2026-12-06T17:30:12.345Z"; the text up to the second is kept while it holds. */
  String time(long epochMillis) {
    long sec = Math.floorDiv(epochMillis, 1000);
    if (sec != second) {
      LocalDateTime t = LocalDateTime.ofEpochSecond(sec, 0, ZoneOffset.UTC);
      secondText =
          String.format(
              "%04d-%02d-%02dT%02d:%02d:%02d.",
              t.getYear(),
              t.getMonthValue(),
              t.getDayOfMonth(),
              t.getHour(),
              t.getMinute(),
              t.getSecond());
      second = sec;
    }
    int ms = Math.floorMod(epochMillis, 1000);
    char[] tail = {
      (char) ('0' + ms / 100), (char) ('0' + ms / 10 % 10), (char) ('0' + ms % 10), 'Z'
    };
    return secondText.concat(new String(tail));
  }

  /** A byte buffer whose array is read without a copy. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer() {
      super(512);
    }

    byte[] bytes() {
      return buf;
    }
  }
}
