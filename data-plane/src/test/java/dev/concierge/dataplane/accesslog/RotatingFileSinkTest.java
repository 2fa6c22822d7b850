package dev.concierge.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingFileSinkTest {
  @TempDir Path dir;

  private static void line(LineSink sink, String text) throws IOException {
    byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
    sink.line(bytes, bytes.length);
  }

  @Test
  void rotatesBeforeALineWouldPassTheLimitKeepingMaxFiles() throws IOException {
    Path file = dir.resolve("logs/access.log");
    try (RotatingFileSink sink = new RotatingFileSink(file, 10, 2)) {
      for (int i = 1; i <= 5; i++) {
        line(sink, "line" + i); // 6 bytes each: one line per file
      }
    }

    assertThat(Files.readString(file)).isEqualTo("line5\n");
    assertThat(Files.readString(dir.resolve("logs/access.log.1"))).isEqualTo("line4\n");
    assertThat(Files.readString(dir.resolve("logs/access.log.2"))).isEqualTo("line3\n");
    assertThat(dir.resolve("logs/access.log.3")).doesNotExist();
  }

  @Test
  void fillsAFileUpToTheLimitAndAppendsToAnExistingOne() throws IOException {
    Path file = dir.resolve("access.log");
    Files.writeString(file, "old\n");
    try (RotatingFileSink sink = new RotatingFileSink(file, 12, 1)) {
      line(sink, "abc"); // 4 + 4 = 8
      line(sink, "def"); // 12: still fits
      line(sink, "ghi"); // would be 16: rotate
    }

    assertThat(Files.readString(dir.resolve("access.log.1"))).isEqualTo("old\nabc\ndef\n");
    assertThat(Files.readString(file)).isEqualTo("ghi\n");
  }

  @Test
  void startsOverWithoutRotatedFilesWhenNoneAreKept() throws IOException {
    Path file = dir.resolve("access.log");
    try (RotatingFileSink sink = new RotatingFileSink(file, 5, 0)) {
      line(sink, "one");
      line(sink, "two");
    }

    assertThat(Files.readString(file)).isEqualTo("two\n");
    assertThat(dir.resolve("access.log.1")).doesNotExist();
  }
}
