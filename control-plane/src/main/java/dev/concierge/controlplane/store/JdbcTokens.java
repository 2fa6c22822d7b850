package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.TokenRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The {@code api_tokens} table: named admin tokens by the SHA-256 of their secret, with their role
 * ({@code admin} or {@code read-only} in the table). Thread-safe; every call is one statement in
 * autocommit.
 */
public final class JdbcTokens {
  private final DataSource dataSource;

  public JdbcTokens(DataSource dataSource) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
  }

  /** Stores a new token; ALREADY_EXISTS when the name is taken. */
  public TokenRow create(
      String name, TokenRole role, String secretSha256, Instant now, String createdBy) {
    Instant time = now.truncatedTo(ChronoUnit.MICROS);
    TokenRow row = new TokenRow(name, role, time, createdBy);
    try (Connection c = dataSource.getConnection();
        PreparedStatement exists = c.prepareStatement("SELECT 1 FROM api_tokens WHERE name = ?");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO api_tokens (name, secret_sha256, create_time, created_by, role)"
                    + " VALUES (?, ?, ?, ?, ?)")) {
      exists.setString(1, name);
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          throw alreadyExists(name);
        }
      }
      insert.setString(1, name);
      insert.setString(2, secretSha256);
      insert.setObject(3, OffsetDateTime.ofInstant(time, ZoneOffset.UTC));
      insert.setString(4, createdBy);
      insert.setString(5, column(role));
      insert.executeUpdate();
      return row;
    } catch (SQLException e) {
      // A concurrent create of the same name loses on the primary key.
      if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
        throw alreadyExists(name);
      }
      throw unavailable(e);
    }
  }

  /** Every token, by name. */
  public List<TokenRow> list() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT name, role, create_time, created_by FROM api_tokens ORDER BY name");
        ResultSet rs = s.executeQuery()) {
      List<TokenRow> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(row(rs));
      }
      return rows;
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  /** Secret hash to token, for every token. */
  public Map<String, TokenRow> byHash() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT name, role, create_time, created_by, secret_sha256 FROM api_tokens");
        ResultSet rs = s.executeQuery()) {
      Map<String, TokenRow> rows = new HashMap<>();
      while (rs.next()) {
        rows.put(rs.getString(5), row(rs));
      }
      return rows;
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  /** Deletes a token; NOT_FOUND when there is none of that name. */
  public void delete(String name) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("DELETE FROM api_tokens WHERE name = ?")) {
      s.setString(1, name);
      if (s.executeUpdate() == 0) {
        throw new StoreException(
            StoreException.Reason.NOT_FOUND, "token \"" + name + "\" does not exist");
      }
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  private static TokenRow row(ResultSet rs) throws SQLException {
    return new TokenRow(
        rs.getString(1),
        role(rs.getString(2)),
        rs.getObject(3, OffsetDateTime.class).toInstant(),
        rs.getString(4));
  }

  private static String column(TokenRole role) {
    return switch (role) {
      case TOKEN_ROLE_ADMIN -> "admin";
      case TOKEN_ROLE_READ_ONLY -> "read-only";
      default -> throw new IllegalArgumentException("no stored form for " + role);
    };
  }

  private static TokenRole role(String column) {
    return switch (column) {
      case "admin" -> TokenRole.TOKEN_ROLE_ADMIN;
      case "read-only" -> TokenRole.TOKEN_ROLE_READ_ONLY;
      // A role written by a newer control plane: grant the least.
      default -> TokenRole.TOKEN_ROLE_READ_ONLY;
    };
  }

  private static StoreException alreadyExists(String name) {
    return new StoreException(
        StoreException.Reason.ALREADY_EXISTS, "token \"" + name + "\" already exists");
  }

  static StoreException unavailable(SQLException e) {
    return new StoreException("database unavailable: " + e.getMessage(), e);
  }
}
