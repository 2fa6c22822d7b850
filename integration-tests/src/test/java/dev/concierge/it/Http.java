package dev.concierge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Minimal blocking HTTP client for tests: one shared java.net.http client. */
final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Http() {}

  static HttpResponse<String> get(int port, String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
  }

  static HttpResponse<String> send(HttpRequest.Builder builder) {
    try {
      return CLIENT.send(
          builder.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
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
