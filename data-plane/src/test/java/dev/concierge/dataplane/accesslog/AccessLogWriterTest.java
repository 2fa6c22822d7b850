package dev.concierge.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.concierge.dataplane.trace.TraceContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessLogWriterTest {
  static AccessLogEntry entry(String path) {
    return new AccessLogEntry(
        1_765_000_000_123L,
        "192.0.2.7",
        "GET",
        "example.com",
        path,
        "HTTP/1.1",
        200,
        3,
        1234,
        1_500_000,
        "127.0.0.1:8081",
        1_000_000,
        "routes/web",
        "clusters/web",
        "abc-1",
        TraceContext.of((String) null, new Random(1), 0),
        "curl/8 \"quoted\"\n",
        null,
        "alice",
        Set.of("token"),
        null);
  }

  @Test
  void dropsAndCountsEntriesWhenTheQueueIsFull() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessLogWriter writer = new AccessLogWriter(new StreamSink(out), 2, Duration.ofMillis(10));

    assertThat(writer.offer(entry("/1"))).isTrue();
    assertThat(writer.offer(entry("/2"))).isTrue();
    assertThat(writer.offer(entry("/3"))).isFalse();
    assertThat(writer.dropped()).isEqualTo(1);

    writer.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 2);
    assertThat(writer.offer(entry("/4"))).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 3);
    writer.close();
    assertThat(writer.dropped()).isEqualTo(1);
    assertThat(writer.offer(entry("/5"))).isFalse();
  }

  @Test
  void writesOneJsonObjectPerLineWithEveryField() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessLogWriter writer =
        new AccessLogWriter(new StreamSink(out), 8, Duration.ofHours(1)).start();

    writer.offer(entry("/a?token=s3cret&x=1"));
    writer.close();

    List<String> lines = lines(out);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).doesNotContain("s3cret");
    Map<String, Object> json = parse(lines.get(0));
    assertThat(json.keySet()).containsExactlyElementsOf(AccessLog.FIELDS);
    assertThat(json)
        .containsEntry("time", "2025-12-06T05:46:40.123Z")
        .containsEntry("path", "/a?token=REDACTED&x=1")
        .containsEntry("status", "200")
        .containsEntry("duration_ms", "1.5")
        .containsEntry("upstream_ms", "1.0")
        .containsEntry("user_agent", "curl/8 \"quoted\"\n")
        .containsEntry("tls", null)
        .containsEntry("consumer", "alice");
  }

  @Test
  void aQuarterFullQueueWakesTheWriterBeforeItsTick() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // A tick that never comes during the test: only the fill level can wake the writer.
    AccessLogWriter writer = new AccessLogWriter(new StreamSink(out), 8, Duration.ofHours(1));
    writer.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> writer.parked());

    writer.offer(entry("/1"));
    assertThat(writer.parked()).isTrue();
    writer.offer(entry("/2"));

    await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 2);
    writer.close();
  }

  @Test
  void closeWritesOutWhatIsQueued() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessLogWriter writer = new AccessLogWriter(new StreamSink(out), 100, Duration.ofHours(1));
    writer.start();
    for (int i = 0; i < 10; i++) {
      writer.offer(entry("/" + i));
    }

    writer.close();

    assertThat(lines(out)).hasSize(10);
    assertThat(writer.dropped()).isZero();
  }

  @Test
  void formatsTimesAsRfc3339UtcWithMilliseconds() {
    AccessLogFormat format = new AccessLogFormat();

    assertThat(format.time(0)).isEqualTo("1970-01-01T00:00:00.000Z");
    assertThat(format.time(1_765_000_000_007L)).isEqualTo("2025-12-06T05:46:40.007Z");
    assertThat(format.time(1_765_000_001_999L)).isEqualTo("2025-12-06T05:46:41.999Z");
  }

  static List<String> lines(ByteArrayOutputStream out) {
    String text = out.toString(StandardCharsets.UTF_8);
    return text.isEmpty() ? List.of() : List.of(text.split("\n", -1)).subList(0, count(text));
  }

  private static int count(String text) {
    return (int) text.chars().filter(c -> c == '\n').count();
  }

  /** The fields of a flat JSON object, values as text (null for null). */
  static Map<String, Object> parse(String line) throws IOException {
    Map<String, Object> fields = new LinkedHashMap<>();
    try (JsonParser parser = new JsonFactory().createParser(line)) {
      assertThat(parser.nextToken()).isEqualTo(JsonToken.START_OBJECT);
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        fields.put(name, value == JsonToken.VALUE_NULL ? null : parser.getText());
      }
      assertThat(parser.currentToken()).isEqualTo(JsonToken.END_OBJECT);
      assertThat(parser.nextToken()).isNull();
    }
    return fields;
  }
}
