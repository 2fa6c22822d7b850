package dev.concierge.bench;

import dev.concierge.dataplane.transport.lean.UpstreamRequestHead;
import dev.concierge.dataplane.upstream.RequestRewrite;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link UpstreamRequestHead#write}: the upstream request head of a proxied request, from the
 * client's parsed headers (hop-by-hop and spoofed forwarding headers dropped, X-Forwarded-* and Via
 * added), for a curl-like request and a browser-like one with a Connection-named header.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HeaderRewriteBenchmark {
  private static final RequestRewrite REWRITE = RequestRewrite.defaults();
  private final ByteBuffer out = ByteBuffer.allocateDirect(16 * 1024);
  private HttpFields curl;
  private HttpFields browser;

  @Setup
  public void setUp() {
    curl =
        HttpFields.build()
            .add(HttpHeader.HOST, "127.0.0.1:8080")
            .add(HttpHeader.USER_AGENT, "curl/7.88.1")
            .add(HttpHeader.ACCEPT, "*/*")
            .asImmutable();
    browser =
        HttpFields.build()
            .add(HttpHeader.HOST, "shop.example.com")
            .add(HttpHeader.CONNECTION, "keep-alive, X-Hop")
            .add("X-Hop", "drop me")
            .add(
                HttpHeader.USER_AGENT,
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
            .add(
                HttpHeader.ACCEPT,
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8")
            .add(HttpHeader.ACCEPT_ENCODING, "gzip, deflate, br, zstd")
            .add(HttpHeader.ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
            .add(HttpHeader.COOKIE, "session=4f9c2a7d0e5b41c8a3d6; theme=dark; consent=1")
            .add(HttpHeader.REFERER, "https://shop.example.com/catalog?page=2")
            .add(HttpHeader.X_FORWARDED_FOR, "6.6.6.6")
            .add("Upgrade-Insecure-Requests", "1")
            .add("Sec-Fetch-Mode", "navigate")
            .asImmutable();
  }

  @Benchmark
  public ByteBuffer curlGet() {
    out.clear();
    UpstreamRequestHead.write(
        out,
        REWRITE,
        "GET",
        "/small",
        null,
        HttpVersion.HTTP_1_1,
        curl,
        "127.0.0.1",
        false,
        null,
        "127.0.0.1:18081",
        null, // no request header edits on this route
        UpstreamRequestHead.NO_BODY);
    return out;
  }

  @Benchmark
  public ByteBuffer browserGet() {
    out.clear();
    UpstreamRequestHead.write(
        out,
        REWRITE,
        "GET",
        "/catalog/items/42",
        "color=red&size=m",
        HttpVersion.HTTP_1_1,
        browser,
        "203.0.113.7",
        true,
        null,
        "10.0.0.5:8080",
        null, // no request header edits on this route
        UpstreamRequestHead.NO_BODY);
    return out;
  }
}
