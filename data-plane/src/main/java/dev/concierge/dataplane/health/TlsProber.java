package dev.concierge.dataplane.health;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP checks of clusters whose endpoints speak TLS: one blocking TLS connection per check, on
 * a few threads of its own, made with the cluster's own {@link UpstreamTlsPolicy} (its trust, SNI,
 * name verification and client certificate), so a check fails exactly when traffic's handshake
 * would. A handshake per check is the price of simplicity; TLS clusters are few and their checks
 * seconds apart. Reads the status line and, when the check looks for text, up to {@link
 * HttpProber#MAX_BODY} bytes of the response. Thread-safe.
 */
final class TlsProber implements Prober, AutoCloseable {
  private static final int THREADS = 4;

  private final ExecutorService threads;

  private TlsProber(ExecutorService threads) {
    this.threads = threads;
  }

  /** A started prober. */
  static TlsProber start() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor threads =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "concierge-health-tls-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    threads.allowCoreThreadTimeOut(true);
    return new TlsProber(threads);
  }

  @Override
  public void probe(Endpoint endpoint, HealthCheckPolicy policy, Result done) {
    UpstreamTlsPolicy tls = requireNonNull(policy.tls(), "a TLS cluster's check");
    HealthCheckPolicy.HttpCheck http = requireNonNull(policy.http(), "an HTTP check");
    InetSocketAddress address = endpoint.resolved().socketAddress(endpoint.port());
    if (address == null) {
      done.ended("host not resolved");
      return;
    }
    try {
      threads.execute(() -> done.ended(check(endpoint, address, tls, http, policy)));
    } catch (RejectedExecutionException e) {
      done.ended("prober closed");
    }
  }

  /** Runs one check; null when it passed, else why not. */
  private static @Nullable String check(
      Endpoint endpoint,
      InetSocketAddress address,
      UpstreamTlsPolicy tls,
      HealthCheckPolicy.HttpCheck http,
      HealthCheckPolicy policy) {
    int timeoutMillis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(policy.timeoutNanos()));
    long deadline = System.nanoTime() + policy.timeoutNanos();
    SSLEngine model = tls.newEngine(endpoint);
    try (Socket plain = new Socket()) {
      plain.connect(address, timeoutMillis);
      plain.setSoTimeout(timeoutMillis);
      try (SSLSocket socket =
          (SSLSocket)
              tls.context()
                  .getSocketFactory()
                  .createSocket(plain, model.getPeerHost(), model.getPeerPort(), true)) {
        socket.setUseClientMode(true);
        socket.setSSLParameters(model.getSSLParameters());
        socket.startHandshake();
        String host = http.host() != null ? http.host() : endpoint.address();
        String head =
            (http.head() ? "HEAD " : "GET ")
                + http.path()
                + " HTTP/1.1\r\nHost: "
                + host
                + "\r\nUser-Agent: concierge-health\r\nConnection: close\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return answer(socket.getInputStream(), http, deadline);
      }
    } catch (IOException | RuntimeException e) {
      return Prober.describe(e);
    }
  }

  private static @Nullable String answer(
      InputStream in, HealthCheckPolicy.HttpCheck http, long deadline) throws IOException {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int headEnd = -1;
    String needle = http.bodyContains();
    while (received.size() < HttpProber.MAX_BODY + 16 * 1024) {
      if (System.nanoTime() - deadline > 0) {
        return "timed out";
      }
      int n = in.read(buffer);
      if (n < 0) {
        break;
      }
      received.write(buffer, 0, n);
      String text = received.toString(StandardCharsets.ISO_8859_1);
      if (headEnd < 0) {
        headEnd = text.indexOf("\r\n\r\n");
      }
      if (headEnd >= 0 && (needle == null || http.head() || text.indexOf(needle, headEnd) >= 0)) {
        break;
      }
    }
    String text = received.toString(StandardCharsets.ISO_8859_1);
    if (!text.startsWith("HTTP/1.") || text.length() < 12) {
      return "no HTTP response";
    }
    int status;
    try {
      status = Integer.parseInt(text.substring(9, 12));
    } catch (NumberFormatException e) {
      return "no HTTP response";
    }
    if (!http.expects(status)) {
      return "status " + status;
    }
    if (needle != null && !http.head() && (headEnd < 0 || text.indexOf(needle, headEnd) < 0)) {
      return "body without \"" + needle + "\"";
    }
    return null;
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
