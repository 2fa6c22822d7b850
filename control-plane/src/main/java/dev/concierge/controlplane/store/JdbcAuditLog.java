package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.sql.DataSource;

/**
 * The {@code audit_events} table. Each record is one autocommitted insert, so that it is on disk
 * when {@link #record} returns. Thread-safe.
 */
public final class JdbcAuditLog {
  private static final String TOKEN_PREFIX = "before:";

  private final DataSource dataSource;

  public JdbcAuditLog(DataSource dataSource) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
  }

  /** Writes one event; columns are cut to their width rather than failing the insert. */
  public void record(AuditRecord e) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO audit_events (event_time, token_name, client_address, rpc, resource,"
                    + " code, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      s.setObject(1, utc(e.time()));
      s.setString(2, cut(e.tokenName(), 63));
      s.setString(3, cut(e.clientAddress(), 256));
      s.setString(4, cut(e.rpc(), 256));
      s.setString(5, cut(e.resource(), 256));
      s.setString(6, cut(e.code(), 32));
      s.setString(7, cut(e.detail(), 1024));
      s.executeUpdate();
    } catch (SQLException ex) {
      throw JdbcTokens.unavailable(ex);
    }
  }

  /**
   * Events at or after {@code since}, newest first.
   *
   * @param pageToken "" for the first page, else a previous page's token
   */
  public Page<AuditRecord> list(Instant since, int pageSize, String pageToken) {
    int size = Page.size(pageSize);
    long before = before(pageToken);
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT id, event_time, token_name, client_address, rpc, resource, code, detail"
                    + " FROM audit_events WHERE event_time >= ? AND id < ?"
                    + " ORDER BY id DESC LIMIT ?")) {
      s.setObject(1, utc(since));
      s.setLong(2, before);
      s.setInt(3, size + 1);
      List<AuditRecord> items = new ArrayList<>();
      List<Long> ids = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
          items.add(
              new AuditRecord(
                  rs.getObject(2, OffsetDateTime.class).toInstant(),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8)));
        }
      }
      if (items.size() <= size) {
        return new Page<>(items, "");
      }
      // The one row beyond the page only says that there is a next one.
      return new Page<>(items.subList(0, size), token(ids.get(size - 1)));
    } catch (SQLException ex) {
      throw JdbcTokens.unavailable(ex);
    }
  }

  /** Deletes events older than {@code cutoff}; returns how many. */
  public int deleteBefore(Instant cutoff) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("DELETE FROM audit_events WHERE event_time < ?")) {
      s.setObject(1, utc(cutoff));
      return s.executeUpdate();
    } catch (SQLException ex) {
      throw JdbcTokens.unavailable(ex);
    }
  }

  private static OffsetDateTime utc(Instant t) {
    return OffsetDateTime.ofInstant(t.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static String token(long id) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((TOKEN_PREFIX + id).getBytes(StandardCharsets.UTF_8));
  }

  private static long before(String pageToken) {
    if (pageToken.isEmpty()) {
      return Long.MAX_VALUE;
    }
    try {
      String t = new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8);
      if (t.startsWith(TOKEN_PREFIX)) {
        return Long.parseLong(t.substring(TOKEN_PREFIX.length()));
      }
    } catch (IllegalArgumentException e) {
      // Falls through to the refusal: the token is not one of ours.
    }
    throw new StoreException(
        StoreException.Reason.INVALID_PAGE_TOKEN, "page_token was not issued for this listing");
  }
}
