package dev.concierge.dataplane.accesslog;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Writes entries as JSON lines, each ending in '\n': {@code time} (RFC 3339, UTC, milliseconds),
 * {@code client}, {@code method}, {@code host}, {@code path} (secret query values redacted), {@code
 * protocol}, {@code status}, {@code bytes_in}, {@code bytes_out}, {@code duration_ms}, {@code
 * upstream}, {@code upstream_ms}, {@code route}, {@code cluster}, {@code request_id}, {@code
 * trace_id}, {@code user_agent}, {@code tls}; every field is present, null when unknown. Reuses one
 * generator and buffer: not thread-safe, owned by the writer thread.
 */
final class AccessLogFormat {
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
    json.writeStringField("time", time(entry.startEpochMillis()));
    json.writeStringField("client", entry.client());
    json.writeStringField("method", entry.method());
    json.writeStringField("host", entry.host());
    json.writeStringField("path", QueryRedaction.redact(entry.path(), entry.secretQueryParams()));
    json.writeStringField("protocol", entry.protocol());
    json.writeNumberField("status", entry.status());
    json.writeNumberField("bytes_in", entry.bytesIn());
    json.writeNumberField("bytes_out", entry.bytesOut());
    json.writeNumberField("duration_ms", millis(entry.durationNanos()));
    json.writeStringField("upstream", entry.upstream());
    if (entry.upstreamNanos() < 0) {
      json.writeNullField("upstream_ms");
    } else {
      json.writeNumberField("upstream_ms", millis(entry.upstreamNanos()));
    }
    json.writeStringField("route", entry.route());
    json.writeStringField("cluster", entry.cluster());
    json.writeStringField("request_id", entry.requestId());
    json.writeStringField("trace_id", entry.trace().traceId());
    json.writeStringField("user_agent", entry.userAgent());
    json.writeStringField("tls", entry.tls());
    json.writeEndObject();
    json.flush();
    buffer.write('\n');
    sink.line(buffer.bytes(), buffer.size());
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
