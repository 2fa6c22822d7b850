package dev.concierge.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.controlplane.auth.JoinTokens;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ArgumentsSource;

/** Node join tokens on H2 and on PostgreSQL: made, checked until they expire, listed, revoked. */
@ParameterizedClass
@ArgumentsSource(TestDatabase.All.class)
class JdbcJoinTokensTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @Parameter TestDatabase database;
  @TempDir Path dir;
  private JdbcConfigStore store;
  private final AtomicReference<Instant> now = new AtomicReference<>(T0);
  private JoinTokens tokens;

  @BeforeEach
  void open() {
    store = JdbcConfigStore.open(database.createUrl(dir), Clock.systemUTC());
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    tokens = new JoinTokens(new JdbcJoinTokens(store.dataSource()), clock, new SecureRandom());
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aTokenAdmitsUntilItExpires() {
    JoinTokens.Created created = tokens.create(Duration.ofHours(1), "admin");

    assertThat(created.secret()).matches(created.token().id() + "\\.[A-Za-z0-9_-]{43}");
    assertThat(created.token().expireTime()).isEqualTo(T0.plus(Duration.ofHours(1)));
    assertThat(tokens.check(created.secret())).contains(created.token());
    assertThat(tokens.check(created.secret() + "x")).isEmpty();
    assertThat(tokens.check(created.token().id())).isEmpty();

    now.set(T0.plus(Duration.ofHours(1)));
    assertThat(tokens.check(created.secret())).isEmpty();
    assertThat(tokens.list()).containsExactly(created.token());
  }

  @Test
  void aRevokedTokenAdmitsNoOne() {
    JoinTokens.Created created = tokens.create(Duration.ZERO, "ci");
    assertThat(created.token().expireTime()).isEqualTo(T0.plus(JoinTokens.DEFAULT_TTL));
    assertThat(created.token().createdBy()).isEqualTo("ci");

    tokens.revoke(created.token().id());

    assertThat(tokens.check(created.secret())).isEmpty();
    assertThat(tokens.list()).isEmpty();
    assertThatThrownBy(() -> tokens.revoke(created.token().id()))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.NOT_FOUND));
    assertThatThrownBy(() -> tokens.revoke("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8 hex digits");
  }

  @Test
  void refusesATtlOutsideOneMinuteToThirtyDays() {
    assertThatThrownBy(() -> tokens.create(Duration.ofSeconds(59), "admin"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be between 1m and 30d (720h), not 59s");
    assertThatThrownBy(() -> tokens.create(Duration.ofDays(31), "admin"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(tokens.list()).isEmpty();
  }
}
