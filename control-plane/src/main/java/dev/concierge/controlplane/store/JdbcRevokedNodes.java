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
import javax.sql.DataSource;

/**
 * The {@code revoked_nodes} table: node ids refused from now on. Read at every node call that opens
 * a stream or asks for a certificate, so every control plane on a shared database refuses a node
 * the moment one of them revokes it. Thread-safe; every call is one statement in autocommit.
 */
public final class JdbcRevokedNodes {
  private final DataSource dataSource;

  public JdbcRevokedNodes(DataSource dataSource) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
  }

  /** Records the revocation; revoking a revoked node again keeps the first record. */
  public void revoke(String nodeId, Instant now, String revokedBy) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO revoked_nodes (node_id, revoke_time, revoked_by) VALUES (?, ?, ?)")) {
      s.setString(1, nodeId);
      s.setObject(2, OffsetDateTime.ofInstant(now.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
      s.setString(3, revokedBy);
      s.executeUpdate();
    } catch (SQLException e) {
      if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
        return; // already revoked
      }
      throw JdbcTokens.unavailable(e);
    }
  }

  /** Whether this node id is revoked. */
  public boolean isRevoked(String nodeId) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT 1 FROM revoked_nodes WHERE node_id = ?")) {
      s.setString(1, nodeId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw JdbcTokens.unavailable(e);
    }
  }
}
