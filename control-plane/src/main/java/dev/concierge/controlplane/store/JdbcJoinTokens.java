package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code join_tokens} table: node join tokens by id, with the SHA-256 of their secret.
 * Thread-safe; every call is one statement in autocommit.
 */
public final class JdbcJoinTokens {
  private static final String COLUMNS = "id, create_time, expire_time, created_by";

  private final DataSource dataSource;

  public JdbcJoinTokens(DataSource dataSource) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
  }

  /** Stores a new token; ALREADY_EXISTS when the id is taken. */
  public JoinTokenRow create(
      String id, String secretSha256, Instant now, Instant expires, String createdBy) {
    JoinTokenRow row =
        new JoinTokenRow(
            id,
            now.truncatedTo(ChronoUnit.MICROS),
            expires.truncatedTo(ChronoUnit.MICROS),
            createdBy);
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO join_tokens ("
                    + COLUMNS
                    + ", secret_sha256) VALUES (?, ?, ?, ?, ?)")) {
      s.setString(1, id);
      s.setObject(2, OffsetDateTime.ofInstant(row.createTime(), ZoneOffset.UTC));
      s.setObject(3, OffsetDateTime.ofInstant(row.expireTime(), ZoneOffset.UTC));
      s.setString(4, createdBy);
      s.setString(5, secretSha256);
      s.executeUpdate();
      return row;
    } catch (SQLException e) {
      if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
        throw new StoreException(
            StoreException.Reason.ALREADY_EXISTS, "join token \"" + id + "\" already exists");
      }
      throw JdbcTokens.unavailable(e);
    }
  }

  /** Every token, by id. */
  public List<JoinTokenRow> list() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT " + COLUMNS + " FROM join_tokens ORDER BY id");
        ResultSet rs = s.executeQuery()) {
      List<JoinTokenRow> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(row(rs));
      }
      return rows;
    } catch (SQLException e) {
      throw JdbcTokens.unavailable(e);
    }
  }

  /** The token with this secret hash, if it is stored (expired or not). */
  public Optional<JoinTokenRow> byHash(String secretSha256) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT " + COLUMNS + " FROM join_tokens WHERE secret_sha256 = ?")) {
      s.setString(1, secretSha256);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(row(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw JdbcTokens.unavailable(e);
    }
  }

  /** Deletes a token; NOT_FOUND when there is none of that id. */
  public void delete(String id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("DELETE FROM join_tokens WHERE id = ?")) {
      s.setString(1, id);
      if (s.executeUpdate() == 0) {
        throw new StoreException(
            StoreException.Reason.NOT_FOUND, "join token \"" + id + "\" does not exist");
      }
    } catch (SQLException e) {
      throw JdbcTokens.unavailable(e);
    }
  }

  private static JoinTokenRow row(ResultSet rs) throws SQLException {
    return new JoinTokenRow(
        rs.getString(1).trim(),
        rs.getObject(2, OffsetDateTime.class).toInstant(),
        rs.getObject(3, OffsetDateTime.class).toInstant(),
        rs.getString(4));
  }
}
