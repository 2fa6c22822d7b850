package dev.concierge.dataplane.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Http1ResponseParserTest {
  @Test
  void skipsAnInterimAnswer() throws Exception {
    Http1ResponseParser parser = new Http1ResponseParser(false, true);
    assertThat(
            parser.feed(
                bytes(
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")))
        .isTrue();
    assertThat(parser.status()).isEqualTo(200);
    assertThat(parser.bodyText()).isEqualTo("ok");
    assertThat(parser.reusable()).isTrue();
  }

  @Test
  void keepsAnHttp10ConnectionOnlyWhenAskedTo() throws Exception {
    Http1ResponseParser plain = new Http1ResponseParser(false, false);
    assertThat(plain.feed(bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"))).isTrue();
    assertThat(plain.reusable()).isFalse();

    Http1ResponseParser kept = new Http1ResponseParser(false, false);
    assertThat(
            kept.feed(
                bytes("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")))
        .isTrue();
    assertThat(kept.reusable()).isTrue();
  }

  @Test
  void chunkedWinsOverContentLengthButTheConnectionIsNotKept() throws Exception {
    Http1ResponseParser parser = new Http1ResponseParser(false, true);
    assertThat(
            parser.feed(
                bytes(
                    "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "2\r\nok\r\n0\r\n\r\n")))
        .isTrue();
    assertThat(parser.bodyText()).isEqualTo("ok");
    assertThat(parser.reusable()).isFalse();
  }

  @Test
  void leavesTheBytesAfterTheResponseUnread() throws Exception {
    Http1ResponseParser parser = new Http1ResponseParser(false, false);
    ByteBuffer input = bytes("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200");
    assertThat(parser.feed(input)).isTrue();
    assertThat(input.remaining()).isEqualTo("HTTP/1.1 200".length());
  }

  @Test
  void rejectsConflictingLengthsBadChunksAndEndlessHeads() {
    assertThatThrownBy(
            () ->
                new Http1ResponseParser(false, false)
                    .feed(
                        bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")))
        .isInstanceOf(Http1ResponseParser.MalformedException.class)
        .hasMessage("bad Content-Length");
    assertThatThrownBy(
            () ->
                new Http1ResponseParser(false, false)
                    .feed(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")))
        .hasMessage("bad chunk size");
    assertThatThrownBy(
            () ->
                new Http1ResponseParser(false, false)
                    .feed(bytes("HTTP/1.1 200 OK\r\n" + "X-Pad: aaaaaaaa\r\n".repeat(3000))))
        .hasMessage("response head too big");
  }

  @Test
  void aConnectionClosedBeforeAnyByteSaysSo() throws Exception {
    Http1ResponseParser parser = new Http1ResponseParser(false, false);
    assertThat(parser.feed(ByteBuffer.allocate(0))).isFalse();
    assertThat(parser.anyBytes()).isFalse();
    assertThatThrownBy(parser::endOfInput).hasMessage("connection closed");
  }

  private static ByteBuffer bytes(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
  }
}
