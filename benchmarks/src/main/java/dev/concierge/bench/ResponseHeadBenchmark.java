package dev.concierge.bench;

import dev.concierge.dataplane.transport.lean.ResponseHeadParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The head of an upstream response, parsed and relayed into the client response's fields: by {@link
 * ResponseHeadParser} (what the node uses) and, for comparison, by Jetty's {@link HttpParser}
 * feeding the same fields (what it used before), for nginx's nine-field head of a static file and a
 * sixteen-field application response.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResponseHeadBenchmark {
  private static final ByteBuffer NGINX =
      direct(
          "HTTP/1.1 200 OK\r\n"
              + "Server: nginx/1.22.1\r\n"
              + "Date: Tue, 24 Nov 2026 05:00:00 GMT\r\n"
              + "Content-Type: application/octet-stream\r\n"
              + "Content-Length: 1024\r\n"
              + "Last-Modified: Mon, 23 Nov 2026 03:28:00 GMT\r\n"
              + "Connection: keep-alive\r\n"
              + "ETag: \"6922f0b0-400\"\r\n"
              + "Accept-Ranges: bytes\r\n"
              + "\r\n");
  private static final ByteBuffer APP =
      direct(
          "HTTP/1.1 200 OK\r\n"
              + "Date: Tue, 24 Nov 2026 05:00:00 GMT\r\n"
              + "Content-Type: application/json; charset=utf-8\r\n"
              + "Content-Length: 5120\r\n"
              + "Connection: keep-alive\r\n"
              + "Cache-Control: private, max-age=0, must-revalidate\r\n"
              + "Vary: Accept-Encoding, Origin\r\n"
              + "Set-Cookie: session=4f9c2a7d0e5b41c8a3d6; Path=/; HttpOnly; Secure; SameSite=Lax\r\n"
              + "Set-Cookie: theme=dark; Path=/; Max-Age=31536000\r\n"
              + "X-Request-Id: 0f8b9a3c-6a1e-4d2b-9f7e-2c5d8e1a4b6f\r\n"
              + "X-Content-Type-Options: nosniff\r\n"
              + "X-Frame-Options: DENY\r\n"
              + "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"
              + "Content-Security-Policy: default-src 'self'; img-src 'self' data:\r\n"
              + "ETag: W/\"1400-5f3a9c1b\"\r\n"
              + "X-Powered-By: Express\r\n"
              + "Server: gunicorn\r\n"
              + "\r\n");

  private final ResponseHeadParser ours = new ResponseHeadParser(64 * 1024);
  private final JettyRelay jetty = new JettyRelay();

  private static ByteBuffer direct(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
  }

  private HttpFields ours(ByteBuffer head) throws IOException {
    HttpFields.Mutable fields = HttpFields.build(24);
    ours.reset();
    ours.parse(head.duplicate(), fields);
    return fields;
  }

  private HttpFields jetty(ByteBuffer head) {
    jetty.fields = HttpFields.build(24);
    jetty.parser.reset();
    jetty.parser.parseNext(head.duplicate());
    return jetty.fields;
  }

  @Benchmark
  public HttpFields nginxHeadOurs() throws IOException {
    return ours(NGINX);
  }

  @Benchmark
  public HttpFields nginxHeadJettyHttpParser() {
    return jetty(NGINX);
  }

  @Benchmark
  public HttpFields appHeadOurs() throws IOException {
    return ours(APP);
  }

  @Benchmark
  public HttpFields appHeadJettyHttpParser() {
    return jetty(APP);
  }

  /**
   * Jetty's parser relaying every field but Connection, Server and X-Powered-By, as the node did.
   */
  private static final class JettyRelay implements HttpParser.ResponseHandler {
    final HttpParser parser = new HttpParser(this, 64 * 1024);
    HttpFields.Mutable fields = HttpFields.build();

    @Override
    public void startResponse(HttpVersion version, int status, String reason) {
      // the status is not relayed here
    }

    @Override
    public void parsedHeader(HttpField field) {
      if (field.getHeader() != null) {
        switch (field.getHeader()) {
          case CONNECTION, SERVER, X_POWERED_BY -> {
            return;
          }
          default -> {
            // relayed
          }
        }
      }
      fields.add(field);
    }

    @Override
    public boolean headerComplete() {
      return true; // stop before the (absent) body
    }

    @Override
    public boolean content(ByteBuffer item) {
      return false;
    }

    @Override
    public boolean contentComplete() {
      return false;
    }

    @Override
    public boolean messageComplete() {
      return true;
    }

    @Override
    public void earlyEOF() {
      throw new IllegalStateException("early EOF");
    }

    @Override
    public void badMessage(HttpException failure) {
      throw new IllegalStateException(String.valueOf(failure));
    }
  }
}
