package dev.concierge.dataplane.transport.lean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

class ResponseHeadParserTest {
  private static final String NGINX_HEAD =
      "HTTP/1.1 200 OK\r\n"
          + "Server: nginx/1.22.1\r\n"
          + "Date: Tue, 24 Nov 2026 05:00:00 GMT\r\n"
          + "Content-Type: application/octet-stream\r\n"
          + "Content-Length: 1024\r\n"
          + "Last-Modified: Mon, 23 Nov 2026 03:28:00 GMT\r\n"
          + "Connection: keep-alive\r\n"
          + "ETag: \"6922f0b0-400\"\r\n"
          + "Accept-Ranges: bytes\r\n"
          + "\r\n";

  private final ResponseHeadParser parser = new ResponseHeadParser(4096);
  private final HttpFields.Mutable relayed = HttpFields.build();

  private static ByteBuffer bytes(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void parsesAHeadRelaysEndToEndFieldsAndLeavesTheBodyInTheBuffer() throws IOException {
    relayed.put(HttpHeader.DATE, "the node's own date");
    ByteBuffer buffer = bytes(NGINX_HEAD + "BODY");

    assertThat(parser.parse(buffer, relayed)).isTrue();

    assertThat(parser.status).isEqualTo(200);
    assertThat(parser.http10).isFalse();
    assertThat(parser.contentLength).isEqualTo(1024);
    assertThat(parser.chunked).isFalse();
    assertThat(parser.keepAlive).isTrue();
    assertThat(parser.close).isFalse();
    assertThat(StandardCharsets.ISO_8859_1.decode(buffer).toString()).isEqualTo("BODY");
    assertThat(relayed.stream().map(HttpField::getName))
        .containsExactly(
            "Date", "Content-Type", "Content-Length", "Last-Modified", "ETag", "Accept-Ranges");
    assertThat(relayed.get(HttpHeader.DATE)).isEqualTo("Tue, 24 Nov 2026 05:00:00 GMT");
    assertThat(relayed.getField(HttpHeader.CONTENT_TYPE).getValue())
        .isEqualTo("application/octet-stream");
    assertThat(relayed.getLongField(HttpHeader.CONTENT_LENGTH)).isEqualTo(1024);
    assertThat(relayed.get(HttpHeader.ETAG)).isEqualTo("\"6922f0b0-400\"");
  }

  @Test
  void takesAHeadSplitAtEveryByte() throws IOException {
    byte[] all = (NGINX_HEAD + "BODY").getBytes(StandardCharsets.ISO_8859_1);
    for (int split = 1; split < NGINX_HEAD.length(); split++) {
      ResponseHeadParser p = new ResponseHeadParser(4096);
      HttpFields.Mutable fields = HttpFields.build();
      ByteBuffer first = ByteBuffer.wrap(all, 0, split);
      assertThat(p.parse(first, fields)).as("split at %d", split).isFalse();
      assertThat(first.hasRemaining()).isFalse();
      ByteBuffer second = ByteBuffer.wrap(all, split, all.length - split);
      assertThat(p.parse(second, fields)).as("split at %d", split).isTrue();
      assertThat(second.remaining()).isEqualTo(4);
      assertThat(fields.size()).isEqualTo(6);
      assertThat(p.contentLength).isEqualTo(1024);
    }
  }

  @Test
  void acceptsBareLfLinesLeadingEmptyLinesAndCaseInsensitiveNames() throws IOException {
    ByteBuffer buffer = bytes("\r\nHTTP/1.0 404 Not Found\ncontent-length:  3 \nX-Thing:a\n\nabc");

    assertThat(parser.parse(buffer, relayed)).isTrue();

    assertThat(parser.status).isEqualTo(404);
    assertThat(parser.http10).isTrue();
    assertThat(parser.contentLength).isEqualTo(3);
    assertThat(relayed.getField(HttpHeader.CONTENT_LENGTH).getName()).isEqualTo("Content-Length");
    assertThat(relayed.get("x-thing")).isEqualTo("a");
    assertThat(buffer.remaining()).isEqualTo(3);
  }

  @Test
  void dropsHopByHopFieldsThoseNamedByConnectionAndBackendIdentity() throws IOException {
    parser.parse(
        bytes(
            "HTTP/1.1 200 OK\r\n"
                + "Connection: close, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n"
                + "Transfer-Encoding: chunked\r\nTrailer: X-T\r\nUpgrade: h2c\r\nProxy-Authenticate: Basic\r\n"
                + "Proxy-Other: 1\r\nX-Powered-By: PHP\r\nServer: backend\r\nX-Kept: yes\r\n\r\n"),
        relayed);

    assertThat(parser.close).isTrue();
    assertThat(parser.chunked).isTrue();
    assertThat(parser.contentLength).isEqualTo(ResponseHeadParser.NO_LENGTH);
    assertThat(relayed.stream().map(HttpField::getName)).containsExactly("X-Kept");
  }

  @Test
  void addsNoFieldsForAnInterimResponseAndParsesTheFinalOneAfterIt() throws IOException {
    ByteBuffer buffer =
        bytes(
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                + "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");

    assertThat(parser.parse(buffer, relayed)).isTrue();
    assertThat(parser.status).isEqualTo(103);
    assertThat(relayed.size()).isZero();

    parser.reset();
    assertThat(parser.parse(buffer, relayed)).isTrue();
    assertThat(parser.status).isEqualTo(204);
    assertThat(relayed.get("X-A")).isEqualTo("1");
    assertThat(buffer.hasRemaining()).isFalse();
  }

  @Test
  void reusesTheFieldItRelayedLastForAKnownHeaderWhenTheValueRepeats() throws IOException {
    parser.parse(
        bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"), relayed);
    HttpField type = relayed.getField(HttpHeader.CONTENT_TYPE);
    HttpField length = relayed.getField(HttpHeader.CONTENT_LENGTH);

    HttpFields.Mutable same = HttpFields.build();
    parser.reset();
    parser.parse(
        bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"), same);
    HttpFields.Mutable other = HttpFields.build();
    parser.reset();
    parser.parse(
        bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plaiN\r\nContent-Length: 6\r\n\r\n"), other);

    assertThat(same.getField(HttpHeader.CONTENT_TYPE)).isSameAs(type);
    assertThat(same.getField(HttpHeader.CONTENT_LENGTH)).isSameAs(length);
    assertThat(other.get(HttpHeader.CONTENT_TYPE)).isEqualTo("text/plaiN");
    assertThat(other.getLongField(HttpHeader.CONTENT_LENGTH)).isEqualTo(6);
    assertThat(parser.contentLength).isEqualTo(6);
  }

  @Test
  void acceptsARepeatedIdenticalContentLength() throws IOException {
    parser.parse(
        bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), relayed);

    assertThat(parser.contentLength).isEqualTo(5);
    assertThat(relayed.getFields(HttpHeader.CONTENT_LENGTH)).hasSize(1);
  }

  @Test
  void rejectsWhatNginxRejects() {
    String[] bad = {
      "HTTP/2.0 200 OK\r\n\r\n",
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 2000 OK\r\n\r\n",
      "ICY 200 OK\r\n\r\n",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
      "HTTP/1.1 200 OK\r\n: no name\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\r\r\n\r\n",
      "HTTP/1.1 200 O\rK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX\rA: 1\r\n\r\n",
    };
    for (String head : bad) {
      ResponseHeadParser p = new ResponseHeadParser(4096);
      assertThatThrownBy(() -> p.parse(bytes(head), HttpFields.build()))
          .as(head)
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("bad upstream response: ");
    }
  }

  @Test
  void rejectsAHeadLongerThanTheLimit() throws IOException {
    ResponseHeadParser small = new ResponseHeadParser(64);
    String head = "HTTP/1.1 200 OK\r\nX-Long: " + "x".repeat(60) + "\r\n\r\n";

    assertThat(small.parse(bytes(head.substring(0, 40)), relayed)).isFalse();
    assertThatThrownBy(() -> small.parse(bytes(head.substring(40)), relayed))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("larger than 64 bytes");
  }
}
