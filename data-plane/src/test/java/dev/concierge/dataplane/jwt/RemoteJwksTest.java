package dev.concierge.dataplane.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RemoteJwksTest {
  private static RSAKey first;
  private static RSAKey second;

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final List<CompletableFuture<String>> fetches = new ArrayList<>();
  private final RemoteJwks jwks =
      new RemoteJwks(
          URI.create("http://127.0.0.1:1/jwks"),
          Duration.ofMinutes(5),
          uri -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            fetches.add(f);
            return f;
          },
          nanos::get);

  @BeforeAll
  static void keys() throws Exception {
    first = new RSAKeyGenerator(2048).keyID("one").generate();
    second = new RSAKeyGenerator(2048).keyID("two").generate();
  }

  private static String set(RSAKey key) {
    return new JWKSet(key.toPublicJWK()).toString();
  }

  @Test
  void keepsTheLastGoodSetWhenAFetchFails() {
    var unused = jwks.refresh();
    assertThat(jwks.keys()).isNull();
    assertThat(jwks.firstLoad()).isNotDone();
    fetches.get(0).complete(set(first));
    assertThat(jwks.firstLoad()).isDone();
    KeyRing good = jwks.keys();
    assertThat(good).isNotNull();
    assertThat(good.size()).isEqualTo(1);

    CompletableFuture<KeyRing> failed = jwks.refresh();
    fetches.get(1).completeExceptionally(new IOException("connection refused"));
    assertThat(failed.join()).isSameAs(good);
    assertThat(jwks.keys()).isSameAs(good);

    var unusedAgain = jwks.refresh();
    fetches.get(2).complete("not json");
    assertThat(jwks.keys()).isSameAs(good);
  }

  @Test
  void anEarlyRefreshRunsAtMostOncePerInterval() {
    var unused = jwks.refresh();
    fetches.get(0).complete(set(first));
    // Right after a fetch: no early one.
    assertThat(jwks.refreshEarly()).isNull();
    nanos.addAndGet(RemoteJwks.EARLY_REFRESH_INTERVAL.toNanos());
    CompletableFuture<KeyRing> early = jwks.refreshEarly();
    assertThat(early).isNotNull();
    assertThat(jwks.refreshEarly()).isNull();
    fetches.get(1).complete(set(second));
    assertThat(early.join().candidates(dev.concierge.api.v1.JwtAuth.Algorithm.RS256, "two"))
        .hasSize(1);
    assertThat(fetches).hasSize(2);
  }

  @Test
  void concurrentFetchesShareOne() {
    CompletableFuture<KeyRing> a = jwks.refresh();
    CompletableFuture<KeyRing> b = jwks.refresh();
    assertThat(fetches).hasSize(1);
    fetches.get(0).complete(set(first));
    assertThat(a.join()).isSameAs(b.join());
  }
}
