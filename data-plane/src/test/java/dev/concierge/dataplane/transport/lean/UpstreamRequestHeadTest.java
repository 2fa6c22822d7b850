package dev.concierge.dataplane.transport.lean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.dataplane.upstream.RequestRewrite;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;

class UpstreamRequestHeadTest {
  private static String write(
      String method, String path, String query, HttpFields fields, long bodyLength) {
    ByteBuffer out = ByteBuffer.allocate(4096);
    UpstreamRequestHead.write(
        out,
        RequestRewrite.defaults(),
        method,
        path,
        query,
        HttpVersion.HTTP_1_1,
        fields,
        "10.0.0.9",
        false,
        "a.test:8080",
        "127.0.0.1:9000",
        null,
        bodyLength);
    out.flip();
    return StandardCharsets.ISO_8859_1.decode(out).toString();
  }

  @Test
  void copiesEndToEndHeadersDropsHopByHopAndSpoofedOnesAndAddsForwarding() {
    HttpFields fields =
        HttpFields.build()
            .add("Host", "shop.test")
            .add("Connection", "keep-alive, X-Hop")
            .add("X-Hop", "secret")
            .add("Keep-Alive", "timeout=5")
            .add("TE", "trailers")
            .add("Upgrade", "websocket")
            .add("Proxy-Authorization", "Basic x")
            .add("Proxy-Whatever", "x")
            .add("X-Forwarded-For", "6.6.6.6")
            .add("Forwarded", "for=6.6.6.6")
            .add("X-Real-IP", "6.6.6.6")
            .add("Expect", "100-continue")
            .add("Content-Length", "999")
            .add("Via", "1.0 earlier")
            .add("Accept", "*/*")
            .asImmutable();

    assertThat(write("POST", "/a%20b", "q=1", fields, 3))
        .isEqualTo(
            "POST /a%20b?q=1 HTTP/1.1\r\n"
                + "Host: shop.test\r\n"
                + "Via: 1.0 earlier\r\n"
                + "Accept: */*\r\n"
                + "X-Forwarded-For: 10.0.0.9\r\n"
                + "X-Forwarded-Proto: http\r\n"
                + "X-Forwarded-Host: shop.test\r\n"
                + "Via: 1.1 concierge\r\n"
                + "Content-Length: 3\r\n"
                + "\r\n");
  }

  @Test
  void framesUnknownLengthsChunkedAndFillsInAMissingHost() {
    HttpFields fields = HttpFields.build().add("Transfer-Encoding", "chunked").asImmutable();

    assertThat(write("PUT", "", null, fields, UpstreamRequestHead.CHUNKED))
        .isEqualTo(
            "PUT / HTTP/1.1\r\n"
                + "Host: 127.0.0.1:9000\r\n"
                + "X-Forwarded-For: 10.0.0.9\r\n"
                + "X-Forwarded-Proto: http\r\n"
                + "X-Forwarded-Host: a.test:8080\r\n"
                + "Via: 1.1 concierge\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "\r\n");
    assertThat(
            write(
                "GET",
                "/",
                null,
                HttpFields.build().add("Host", "h").asImmutable(),
                UpstreamRequestHead.NO_BODY))
        .doesNotContain("Content-Length", "Transfer-Encoding");
  }

  @Test
  void throwsOnOverflowSoTheCallerCanRetryLarger() {
    HttpFields fields =
        HttpFields.build().add("Host", "h").add("X-Big", "x".repeat(100)).asImmutable();
    assertThatThrownBy(
            () ->
                UpstreamRequestHead.write(
                    ByteBuffer.allocate(64),
                    RequestRewrite.defaults(),
                    "GET",
                    "/",
                    null,
                    HttpVersion.HTTP_1_1,
                    fields,
                    "1.2.3.4",
                    false,
                    null,
                    "h:1",
                    null,
                    12345))
        .isInstanceOf(BufferOverflowException.class);
  }
}
