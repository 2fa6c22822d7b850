package dev.concierge.dataplane.jwt;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Fetches a JWK Set document, asynchronously. Thread-safe. */
@FunctionalInterface
interface JwksFetcher {
  /** Largest JWK Set document taken, in characters. */
  int MAX_CHARS = 1 << 20;

  /** The document at {@code uri}; completes exceptionally on any failure. */
  CompletableFuture<String> fetch(URI uri);

  /** Fetches with {@code client} (the JDK's): GET, 10 s timeout, 200 only, at most 1 MiB. */
  static JwksFetcher http(HttpClient client) {
    return uri ->
        client
            .sendAsync(
                HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(10))
                    .header("Accept", "application/json, application/jwk-set+json")
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .thenApply(
                response -> {
                  if (response.statusCode() != 200) {
                    throw new CompletionException(
                        new IOException("GET " + uri + ": HTTP " + response.statusCode()));
                  }
                  if (response.body().length() > MAX_CHARS) {
                    throw new CompletionException(
                        new IOException("GET " + uri + ": a JWK Set larger than 1 MiB"));
                  }
                  return response.body();
                });
  }
}
