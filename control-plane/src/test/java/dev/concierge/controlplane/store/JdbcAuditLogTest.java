package dev.concierge.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.TokenRole;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ArgumentsSource;

/** The audit and token tables on H2 and on PostgreSQL, each test on a database of its own. */
@ParameterizedClass
@ArgumentsSource(TestDatabase.All.class)
class JdbcAuditLogTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Parameter TestDatabase database;
  @TempDir Path dir;
  private JdbcConfigStore store;
  private JdbcAuditLog audit;
  private JdbcTokens tokens;

  @BeforeEach
  void open() {
    store = JdbcConfigStore.open(database.createUrl(dir), Clock.systemUTC());
    audit = new JdbcAuditLog(store.dataSource());
    tokens = new JdbcTokens(store.dataSource());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static AuditRecord event(int minute, String resource) {
    return new AuditRecord(
        T0.plusSeconds(60L * minute),
        "ci",
        "127.0.0.1:5000",
        "concierge.v1.ManagementService/CreateCluster",
        resource,
        "OK",
        "");
  }

  @Test
  void listsNewestFirstInPagesFromSince() {
    for (int i = 0; i < 5; i++) {
      audit.record(event(i, "clusters/c" + i));
    }
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      Page<AuditRecord> page = audit.list(T0.plusSeconds(60), 2, token);
      page.items().forEach(e -> seen.add(e.resource()));
      token = page.nextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(seen).containsExactly("clusters/c4", "clusters/c3", "clusters/c2", "clusters/c1");
    assertThat(pages).isEqualTo(2);
  }

  @Test
  void keepsEveryColumnAndCutsOverlongDetail() {
    AuditRecord e =
        new AuditRecord(
            T0,
            "-",
            "10.0.0.1:1234",
            "concierge.v1.ManagementService/DeleteCluster",
            "clusters/web",
            "UNAUTHENTICATED",
            "x".repeat(5000));
    audit.record(e);
    AuditRecord read = audit.list(Instant.EPOCH, 0, "").items().get(0);
    assertThat(read).usingRecursiveComparison().ignoringFields("detail").isEqualTo(e);
    assertThat(read.detail()).hasSize(1024).endsWith("…");
  }

  @Test
  void deletesOnlyEventsBeforeTheCutoff() {
    audit.record(event(0, "old"));
    audit.record(event(10, "new"));
    assertThat(audit.deleteBefore(T0.plusSeconds(60))).isEqualTo(1);
    assertThat(audit.list(Instant.EPOCH, 0, "").items())
        .extracting(AuditRecord::resource)
        .containsExactly("new");
  }

  @Test
  void refusesAForeignPageToken() {
    assertThatThrownBy(() -> audit.list(Instant.EPOCH, 0, "bm90LW91cnM"))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.INVALID_PAGE_TOKEN));
  }

  @Test
  void storesTokensByNameAndHash() {
    TokenRow ci = tokens.create("ci", TokenRole.TOKEN_ROLE_ADMIN, "a".repeat(64), T0, "admin");
    TokenRow ops = new TokenRow("ops", TokenRole.TOKEN_ROLE_READ_ONLY, T0, "ci");
    tokens.create("ops", TokenRole.TOKEN_ROLE_READ_ONLY, "b".repeat(64), T0, "ci");
    assertThat(tokens.list()).containsExactly(ci, ops);
    assertThat(tokens.byHash())
        .containsExactlyInAnyOrderEntriesOf(
            java.util.Map.of("a".repeat(64), ci, "b".repeat(64), ops));
    assertThatThrownBy(
            () -> tokens.create("ci", TokenRole.TOKEN_ROLE_ADMIN, "c".repeat(64), T0, "admin"))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.ALREADY_EXISTS));

    tokens.delete("ci");
    assertThat(tokens.byHash()).containsOnlyKeys("b".repeat(64));
    assertThatThrownBy(() -> tokens.delete("ci"))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.NOT_FOUND));
  }
}
