package dev.concierge.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Minimal blocking HTTP client for tests: one shared java.net.http client. */
final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private Http() {}

  static HttpRequest.Builder request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
  }

  /** Sends without waiting for the answer. */
  static CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest.Builder builder) {
    return CLIENT.sendAsync(builder.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A status and the raw bytes after the head, as read by {@link #raw}. */
  record RawResponse(int status, String body) {}

  /**
   * Sends a bodiless request with the given Host header (java.net.http will not set one) on a
   * connection of its own, and reads the answer until the node closes it.
   */
  static RawResponse withHost(int port, String method, String host, String path) {
    return raw(
        port,
        method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n",
        InputStream.nullInputStream(),
        0);
  }

  /**
   * Sends a request with a Content-Length body on a connection of its own, writing on a thread of
   * its own while it reads the answer, as curl does: an answer the node gives before it has read
   * the whole body (413) is seen even when the node then stops reading. Reads until the node closes
   * the connection.
   *
   * @param head the request line and header lines, each ending in CRLF; Content-Length and
   *     "Connection: close" are added
   */
  static RawResponse raw(int port, String head, InputStream body, long length) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      byte[] fullHead =
          (head + "Content-Length: " + length + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      Thread writer =
          new Thread(
              () -> {
                try (body) {
                  out.write(fullHead);
                  body.transferTo(out);
                } catch (IOException e) {
                  // The node stopped reading; its answer says why.
                }
              },
              "raw-http-writer");
      writer.setDaemon(true);
      writer.start();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          answer.write(buffer, 0, n);
        }
      } catch (SocketException e) {
        // A reset after the answer (the node closed with body bytes unread): keep what came.
      }
      String text = answer.toString(StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.1 ") || end < 0) {
        throw new IllegalStateException("not an HTTP/1.1 answer: \"" + text + "\"");
      }
      return new RawResponse(Integer.parseInt(text.substring(9, 12)), text.substring(end + 4));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static HttpResponse<String> get(int port, String path) {
    return send(request(port, path).GET());
  }

  static HttpResponse<String> send(HttpRequest.Builder builder) {
    return send(builder, TIMEOUT);
  }

  static HttpResponse<String> send(HttpRequest.Builder builder, Duration timeout) {
    try {
      return CLIENT.send(builder.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The body of GET path, or "status N" when the answer is not 200, so it can be polled. */
  static String bodyOrStatus(int port, String path) {
    try {
      HttpResponse<String> response = get(port, path);
      return response.statusCode() == 200 ? response.body() : "status " + response.statusCode();
    } catch (UncheckedIOException e) {
      return "io error " + e.getCause().getMessage();
    }
  }
}
