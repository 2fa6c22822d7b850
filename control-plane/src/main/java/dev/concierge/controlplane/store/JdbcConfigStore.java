package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.controlplane.store.HistoryEntry.Action;
import dev.concierge.controlplane.store.StoreException.Reason;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ConfigStore} on JDBC (H2 or PostgreSQL) through a HikariCP pool. Resources are kept as
 * protobuf JSON beside the columns that queries need (name, revision, times, a kind's sealed
 * column); one generic path, driven by {@link ResourceTable}, serves every kind. The schema is
 * migrated by Flyway on open.
 */
public final class JdbcConfigStore implements ConfigStore {
  private static final Logger log = LoggerFactory.getLogger(JdbcConfigStore.class);
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  /** Lock-free reads tried before giving up (changesSince) or locking (readConfig). */
  private static final int OPTIMISTIC_READS = 3;

  /** Names bound in one IN list. */
  private static final int NAMES_PER_QUERY = 200;

  private final HikariDataSource dataSource;
  private final Clock clock;
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();

  private JdbcConfigStore(HikariDataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.clock = clock;
  }

  /** The default embedded database: H2 in file mode, every commit written at once. */
  public static String h2Url(Path dataDir) {
    // DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook would close the database while ours still
    // ends the streams and writes the node registry; close() closes it, in order.
    return "jdbc:h2:file:"
        + dataDir.toAbsolutePath().resolve("concierge")
        + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
  }

  /** Opens a pool on the URL and migrates the schema to the newest version. */
  public static JdbcConfigStore open(String jdbcUrl, Clock clock) {
    requireNonNull(jdbcUrl, "jdbcUrl");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setPoolName("concierge-store");
    config.setMaximumPoolSize(8);
    config.setAutoCommit(true);
    if (jdbcUrl.startsWith("jdbc:h2:")) {
      // Writers queue on the revision row; H2's 1 s default would fail them under a burst.
      config.setConnectionInitSql("SET LOCK_TIMEOUT 10000");
    }
    HikariDataSource dataSource = new HikariDataSource(config);
    try {
      Flyway.configure()
          .dataSource(dataSource)
          .locations("classpath:db/migration")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      dataSource.close();
      throw e;
    }
    return new JdbcConfigStore(dataSource, clock);
  }

  @Override
  public long revision() {
    return read(c -> readRevision(c, false));
  }

  @Override
  public void addListener(LongConsumer listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  // ---- every kind, one path

  @Override
  public <T extends Message> T create(ResourceTable<T> table, Stored<T> resource, String actor) {
    return put(table, resource, Action.CREATE, "", actor);
  }

  @Override
  public <T extends Message> T update(
      ResourceTable<T> table, Stored<T> resource, String expectedEtag, String actor) {
    return put(table, resource, Action.UPDATE, expectedEtag, actor);
  }

  @Override
  public void delete(ResourceTable<?> table, String name, String expectedEtag, String actor) {
    write(
        (c, revision, now) -> {
          writeRevision(c, revision, now, actor);
          deleteRow(c, table, name, expectedEtag, revision, 0);
          return revision;
        });
  }

  @Override
  public long apply(List<Change<?>> changes, long expectedRevision, String actor) {
    if (changes.isEmpty()) {
      throw new IllegalArgumentException("an apply needs at least one change");
    }
    // Resources others refer to are written before their referrers and deleted after them, so
    // that every reference holds at each statement, whatever order the caller gave.
    List<Change<?>> ordered = new ArrayList<>(changes);
    ordered.sort(Comparator.comparingInt(JdbcConfigStore::writeOrder));
    return write(
        (c, revision, now) -> {
          if (revision - 1 != expectedRevision) {
            throw StoreException.revisionMoved(expectedRevision, revision - 1);
          }
          writeRevision(c, revision, now, actor);
          int seq = 0;
          for (Change<?> change : ordered) {
            applyOne(c, change, revision, now, seq++);
          }
          return revision;
        });
  }

  private static int writeOrder(Change<?> change) {
    // Routes refer to clusters, which refer to certificates: writes go up that chain, deletes down.
    int depth = depth(change.table());
    return change.after() != null ? depth : 100 - depth;
  }

  /** How many references deep a kind's resources may point: 0 for a kind that refers to none. */
  private static int depth(ResourceTable<?> table) {
    int depth = 0;
    for (ResourceTable.Reference<?> reference : table.references()) {
      depth = Math.max(depth, 1 + depth(ResourceTable.of(reference.target())));
    }
    return depth;
  }

  private static <T extends Message> void applyOne(
      Connection c, Change<T> change, long revision, OffsetDateTime now, int seq)
      throws SQLException {
    Stored<T> after = change.after();
    if (after == null) {
      deleteRow(c, change.table(), change.name(), "", revision, seq);
      return;
    }
    boolean exists = readRow(c, change.table(), change.name()).isPresent();
    putRow(
        c, change.table(), after, exists ? Action.UPDATE : Action.CREATE, "", revision, now, seq);
  }

  private static void deleteRow(
      Connection c,
      ResourceTable<?> table,
      String name,
      String expectedEtag,
      long revision,
      int seq)
      throws SQLException {
    ResourceKind kind = table.kind();
    Row row = current(c, table, name, expectedEtag);
    List<String> referrers = referrers(c, kind, name);
    if (!referrers.isEmpty()) {
      throw new StoreException(
          Reason.IN_USE,
          kind.singular() + " \"" + name + "\" is used by " + String.join(", ", referrers),
          referrers);
    }
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM " + kind.table() + " WHERE name = ?")) {
      ps.setString(1, name);
      ps.executeUpdate();
    }
    deleteReferences(c, table, name);
    writeChange(c, revision, seq, Action.DELETE, kind, name, row.spec, null, null);
  }

  @Override
  public <T extends Message> Optional<T> get(ResourceTable<T> table, String name) {
    return getStored(table, name).map(Stored::resource);
  }

  @Override
  public <T extends Message> Optional<Stored<T>> getStored(ResourceTable<T> table, String name) {
    return read(c -> readRow(c, table, name).map(row -> row.stored(table)));
  }

  @Override
  public <T extends Message> Page<T> list(ResourceTable<T> table, int pageSize, String pageToken) {
    int size = Page.size(pageSize);
    String after = Page.nameAfter(pageToken, table.kind().namePrefix());
    return read(
        c -> {
          List<T> items = new ArrayList<>();
          boolean more = false;
          try (PreparedStatement ps =
              c.prepareStatement(select(table) + " WHERE name > ? ORDER BY name LIMIT ?")) {
            ps.setString(1, after);
            ps.setInt(2, size + 1);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                if (items.size() == size) {
                  more = true;
                  break;
                }
                items.add(row(rs, table).stored(table).resource());
              }
            }
          }
          String next = more ? Page.tokenAfter(nameOf(items.get(items.size() - 1))) : "";
          return new Page<>(items, next);
        });
  }

  // ---- whole config, history, nodes

  @Override
  public StoredConfig readConfig() {
    // First without a lock: if the revision is the same after the tables as before them, no write
    // committed in between (every write bumps it), so the tables agree with it.
    Optional<StoredConfig> unlocked =
        read(
            c -> {
              long revision = readRevision(c, false);
              StoredConfig config = readTables(c, revision);
              return readRevision(c, false) == revision
                  ? Optional.of(config)
                  : Optional.<StoredConfig>empty();
            });
    if (unlocked.isPresent()) {
      return unlocked.get();
    }
    return transaction(
        c -> {
          // Writers kept committing: locking the revision row keeps them out while the tables are
          // read.
          return readTables(c, readRevision(c, true));
        });
  }

  private static StoredConfig readTables(Connection c, long revision) throws SQLException {
    return new StoredConfig(
        revision,
        resources(readAll(c, ResourceTable.CLUSTERS)),
        resources(readAll(c, ResourceTable.ROUTES)),
        readAll(c, ResourceTable.CERTIFICATES),
        resources(readAll(c, ResourceTable.POLICIES)),
        readAll(c, ResourceTable.CONSUMERS));
  }

  @Override
  public Optional<StoredChanges> changesSince(long since) {
    return read(
        c -> {
          for (int attempt = 0; attempt < OPTIMISTIC_READS; attempt++) {
            long revision = readRevision(c, false);
            if (revision < since) {
              return Optional.empty();
            }
            Map<ResourceKind, Set<String>> touched = new EnumMap<>(ResourceKind.class);
            Set<Long> revisions = new HashSet<>();
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT revision, kind, name FROM changes WHERE revision > ? AND revision <= ?")) {
              ps.setLong(1, since);
              ps.setLong(2, revision);
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  revisions.add(rs.getLong(1));
                  touched
                      .computeIfAbsent(ResourceKind.valueOf(rs.getString(2)), k -> new TreeSet<>())
                      .add(rs.getString(3));
                }
              }
            }
            // A revision may hold several writes; each must have left at least one row.
            if (revisions.size() != revision - since) {
              return Optional.empty(); // history does not account for every revision
            }
            Set<String> deleted = new TreeSet<>();
            List<Cluster> clusters =
                resources(readNamed(c, ResourceTable.CLUSTERS, touched, deleted));
            List<Route> routes = resources(readNamed(c, ResourceTable.ROUTES, touched, deleted));
            List<Stored<Certificate>> certificates =
                readNamed(c, ResourceTable.CERTIFICATES, touched, deleted);
            List<Policy> policies =
                resources(readNamed(c, ResourceTable.POLICIES, touched, deleted));
            List<Stored<Consumer>> consumers =
                readNamed(c, ResourceTable.CONSUMERS, touched, deleted);
            // As in readConfig: an unchanged revision proves no write committed meanwhile.
            if (readRevision(c, false) == revision) {
              return Optional.of(
                  new StoredChanges(
                      since,
                      revision,
                      clusters,
                      routes,
                      certificates,
                      policies,
                      consumers,
                      deleted));
            }
          }
          return Optional.empty(); // writes kept coming; the caller reads everything, locked
        });
  }

  /** The rows of the touched names of the table's kind; the names not found go to deleted. */
  private static <T extends Message> List<Stored<T>> readNamed(
      Connection c,
      ResourceTable<T> table,
      Map<ResourceKind, Set<String>> touched,
      Set<String> deleted)
      throws SQLException {
    List<String> names = List.copyOf(touched.getOrDefault(table.kind(), Set.of()));
    List<Stored<T>> rows = new ArrayList<>();
    Set<String> found = new HashSet<>();
    for (int from = 0; from < names.size(); from += NAMES_PER_QUERY) {
      List<String> chunk = names.subList(from, Math.min(names.size(), from + NAMES_PER_QUERY));
      String params = String.join(", ", Collections.nCopies(chunk.size(), "?"));
      try (PreparedStatement ps =
          c.prepareStatement(select(table) + " WHERE name IN (" + params + ")")) {
        for (int i = 0; i < chunk.size(); i++) {
          ps.setString(i + 1, chunk.get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Stored<T> stored = row(rs, table).stored(table);
            found.add(nameOf(stored.resource()));
            rows.add(stored);
          }
        }
      }
    }
    for (String name : names) {
      if (!found.contains(name)) {
        deleted.add(name);
      }
    }
    return rows;
  }

  @Override
  public List<HistoryEntry> history(int limit) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT r.revision, r.change_time, r.actor, c.action, c.kind, c.name,"
                      + " c.before_spec, c.after_spec FROM changes c"
                      + " JOIN revisions r ON r.revision = c.revision"
                      + " ORDER BY c.revision DESC, c.seq LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
              List<HistoryEntry> entries = new ArrayList<>();
              while (rs.next()) {
                entries.add(
                    new HistoryEntry(
                        rs.getLong(1),
                        rs.getObject(2, OffsetDateTime.class).toInstant(),
                        rs.getString(3),
                        Action.valueOf(rs.getString(4)),
                        ResourceKind.valueOf(rs.getString(5)),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8)));
              }
              return entries;
            }
          }
        });
  }

  @Override
  public List<RevisionEntry> revisions(long before, int limit) {
    return read(
        c -> {
          List<RevisionEntry> heads = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT revision, change_time, actor FROM revisions WHERE revision < ?"
                      + " ORDER BY revision DESC LIMIT ?")) {
            ps.setLong(1, before <= 0 ? Long.MAX_VALUE : before);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                heads.add(
                    new RevisionEntry(
                        rs.getLong(1),
                        rs.getObject(2, OffsetDateTime.class).toInstant(),
                        rs.getString(3),
                        List.of()));
              }
            }
          }
          if (heads.isEmpty()) {
            return List.of();
          }
          Map<Long, List<HistoryEntry>> changes = new HashMap<>();
          Map<Long, RevisionEntry> byRevision = new HashMap<>();
          heads.forEach(head -> byRevision.put(head.revision(), head));
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT revision, action, kind, name FROM changes"
                      + " WHERE revision >= ? AND revision <= ? ORDER BY revision, seq")) {
            ps.setLong(1, heads.get(heads.size() - 1).revision());
            ps.setLong(2, heads.get(0).revision());
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                RevisionEntry head = byRevision.get(rs.getLong(1));
                if (head != null) {
                  changes
                      .computeIfAbsent(head.revision(), r -> new ArrayList<>())
                      .add(
                          new HistoryEntry(
                              head.revision(),
                              head.time(),
                              head.actor(),
                              Action.valueOf(rs.getString(2)),
                              ResourceKind.valueOf(rs.getString(3)),
                              rs.getString(4),
                              null,
                              null));
                }
              }
            }
          }
          List<RevisionEntry> entries = new ArrayList<>(heads.size());
          for (RevisionEntry head : heads) {
            entries.add(
                new RevisionEntry(
                    head.revision(),
                    head.time(),
                    head.actor(),
                    changes.getOrDefault(head.revision(), List.of())));
          }
          return entries;
        });
  }

  @Override
  public Optional<RevisionEntry> revision(long revision) {
    return read(
        c -> {
          Instant time;
          String actor;
          try (PreparedStatement ps =
              c.prepareStatement("SELECT change_time, actor FROM revisions WHERE revision = ?")) {
            ps.setLong(1, revision);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.<RevisionEntry>empty();
              }
              time = rs.getObject(1, OffsetDateTime.class).toInstant();
              actor = rs.getString(2);
            }
          }
          List<HistoryEntry> changes = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT action, kind, name, before_spec, after_spec FROM changes"
                      + " WHERE revision = ? ORDER BY seq")) {
            ps.setLong(1, revision);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                changes.add(
                    new HistoryEntry(
                        revision,
                        time,
                        actor,
                        Action.valueOf(rs.getString(1)),
                        ResourceKind.valueOf(rs.getString(2)),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5)));
              }
            }
          }
          return Optional.of(new RevisionEntry(revision, time, actor, changes));
        });
  }

  @Override
  public StoredConfig configAt(long revision) {
    return read(
        c -> {
          long at = Math.min(revision, readRevision(c, false));
          List<Cluster> clusters = new ArrayList<>();
          List<Route> routes = new ArrayList<>();
          List<Stored<Certificate>> certificates = new ArrayList<>();
          List<Policy> policies = new ArrayList<>();
          List<Stored<Consumer>> consumers = new ArrayList<>();
          // Per resource, its newest change up to the revision; deleted ones have no after_spec.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT c.kind, c.after_spec, c.after_sealed, c.revision FROM changes c"
                      + " WHERE c.revision = (SELECT MAX(c2.revision) FROM changes c2"
                      + " WHERE c2.kind = c.kind AND c2.name = c.name AND c2.revision <= ?)"
                      + " AND c.after_spec IS NOT NULL ORDER BY c.name")) {
            ps.setLong(1, at);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                ResourceKind kind = ResourceKind.valueOf(rs.getString(1));
                String spec = requireNonNull(rs.getString(2), "after_spec");
                String etag = Long.toString(rs.getLong(4));
                switch (kind) {
                  case CLUSTER ->
                      clusters.add(
                          parse(spec, Cluster.getDefaultInstance()).toBuilder()
                              .setEtag(etag)
                              .build());
                  case ROUTE ->
                      routes.add(
                          parse(spec, Route.getDefaultInstance()).toBuilder()
                              .setEtag(etag)
                              .build());
                  case CERTIFICATE ->
                      certificates.add(
                          new Stored<>(
                              parse(spec, Certificate.getDefaultInstance()).toBuilder()
                                  .setEtag(etag)
                                  .build(),
                              rs.getString(3)));
                  case POLICY ->
                      policies.add(
                          parse(spec, Policy.getDefaultInstance()).toBuilder()
                              .setEtag(etag)
                              .build());
                  case CONSUMER ->
                      consumers.add(
                          new Stored<>(
                              parse(spec, Consumer.getDefaultInstance()).toBuilder()
                                  .setEtag(etag)
                                  .build(),
                              rs.getString(3)));
                }
              }
            }
          }
          return new StoredConfig(at, clusters, routes, certificates, policies, consumers);
        });
  }

  @Override
  public void saveNodes(Collection<Node> nodes) {
    if (nodes.isEmpty()) {
      return;
    }
    List<Node> batch = List.copyOf(nodes);
    List<String> specs = new ArrayList<>(batch.size());
    for (Node node : batch) {
      specs.add(json(node));
    }
    OffsetDateTime now = now();
    transaction(
        c -> {
          // UPDATE, then INSERT what was absent: portable between H2 and PostgreSQL, unlike
          // MERGE/UPSERT. Each is one JDBC batch, so a thousand nodes cost one round trip each.
          int[] updated;
          try (PreparedStatement ps =
              c.prepareStatement("UPDATE nodes SET spec = ?, update_time = ? WHERE name = ?")) {
            for (int i = 0; i < batch.size(); i++) {
              ps.setString(1, specs.get(i));
              ps.setObject(2, now);
              ps.setString(3, batch.get(i).getName());
              ps.addBatch();
            }
            updated = ps.executeBatch();
          }
          boolean inserting = false;
          try (PreparedStatement ps =
              c.prepareStatement("INSERT INTO nodes (name, spec, update_time) VALUES (?, ?, ?)")) {
            for (int i = 0; i < batch.size(); i++) {
              if (updated[i] == 0) {
                ps.setString(1, batch.get(i).getName());
                ps.setString(2, specs.get(i));
                ps.setObject(3, now);
                ps.addBatch();
                inserting = true;
              }
            }
            if (inserting) {
              ps.executeBatch();
            }
          }
          return batch;
        });
  }

  @Override
  public List<Node> listNodes() {
    return read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT spec FROM nodes ORDER BY name");
              ResultSet rs = ps.executeQuery()) {
            List<Node> nodes = new ArrayList<>();
            while (rs.next()) {
              nodes.add(parse(rs.getString(1), Node.getDefaultInstance()));
            }
            return nodes;
          }
        });
  }

  /** The pool, for tables beside the config (tokens, audit) that share its database. */
  public DataSource dataSource() {
    return dataSource;
  }

  @Override
  public void close() {
    dataSource.close();
  }

  // ---- generic writes

  /** Create or update: one transaction that checks, writes the row, its references and history. */
  private <T extends Message> T put(
      ResourceTable<T> table,
      Stored<T> resource,
      Action action,
      String expectedEtag,
      String actor) {
    return write(
        (c, revision, now) -> {
          writeRevision(c, revision, now, actor);
          return putRow(c, table, resource, action, expectedEtag, revision, now, 0);
        });
  }

  private static <T extends Message> T putRow(
      Connection c,
      ResourceTable<T> table,
      Stored<T> resource,
      Action action,
      String expectedEtag,
      long revision,
      OffsetDateTime now,
      int seq)
      throws SQLException {
    if ((table.sealedColumn() == null) != (resource.sealed() == null)) {
      throw new IllegalArgumentException(
          table
              + (table.sealedColumn() == null
                  ? " has no sealed column"
                  : " needs its sealed column"));
    }
    T spec = stripOutputOnly(resource.resource());
    String name = nameOf(spec);
    ResourceKind kind = table.kind();
    Row before = null;
    if (action == Action.CREATE) {
      if (readRow(c, table, name).isPresent()) {
        throw StoreException.alreadyExists(kind, name);
      }
    } else {
      before = current(c, table, name, expectedEtag);
    }
    checkReferences(c, table, spec);
    String json = json(spec);
    writeRow(c, table, name, json, resource.sealed(), revision, now, before == null);
    writeReferences(c, table, name, spec);
    writeChange(
        c,
        revision,
        seq,
        action,
        kind,
        name,
        before == null ? null : before.spec,
        json,
        resource.sealed());
    return withMetadata(spec, revision, before == null ? now : before.createTime, now);
  }

  /** The stored row, if the name exists and the etag (when given) is still the stored one. */
  private static Row current(Connection c, ResourceTable<?> table, String name, String expectedEtag)
      throws SQLException {
    ResourceKind kind = table.kind();
    Row row = readRow(c, table, name).orElseThrow(() -> StoreException.notFound(kind, name));
    StoreException.checkEtag(kind, name, expectedEtag, Long.toString(row.revision));
    return row;
  }

  private static void writeRow(
      Connection c,
      ResourceTable<?> table,
      String name,
      String json,
      @Nullable String sealed,
      long revision,
      OffsetDateTime now,
      boolean insert)
      throws SQLException {
    String sealedColumn = table.sealedColumn();
    String sql =
        insert
            ? "INSERT INTO "
                + table.kind().table()
                + " (spec, revision, update_time, "
                + (sealedColumn == null ? "" : sealedColumn + ", ")
                + "create_time, name) VALUES (?, ?, ?, "
                + (sealedColumn == null ? "" : "?, ")
                + "?, ?)"
            : "UPDATE "
                + table.kind().table()
                + " SET spec = ?, revision = ?, update_time = ?"
                + (sealedColumn == null ? "" : ", " + sealedColumn + " = ?")
                + " WHERE name = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setString(i++, json);
      ps.setLong(i++, revision);
      ps.setObject(i++, now);
      if (sealedColumn != null) {
        ps.setString(i++, sealed);
      }
      if (insert) {
        ps.setObject(i++, now);
      }
      ps.setString(i, name);
      ps.executeUpdate();
    }
  }

  private static <T extends Message> void checkReferences(
      Connection c, ResourceTable<T> table, T spec) throws SQLException {
    List<String> missing = new ArrayList<>();
    for (ResourceTable.Reference<T> reference : table.references()) {
      ResourceTable<?> target = ResourceTable.of(reference.target());
      for (String name : reference.names(spec)) {
        if (readRow(c, target, name).isEmpty()) {
          missing.add(name);
        }
      }
    }
    if (!missing.isEmpty()) {
      throw new StoreException(
          Reason.MISSING_REFERENCE,
          table.kind().singular()
              + " \""
              + nameOf(spec)
              + "\" refers to missing "
              + String.join(", ", missing),
          missing);
    }
  }

  private static <T extends Message> void writeReferences(
      Connection c, ResourceTable<T> table, String name, T spec) throws SQLException {
    deleteReferences(c, table, name);
    for (ResourceTable.Reference<T> reference : table.references()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO "
                  + reference.linkTable()
                  + " ("
                  + reference.fromColumn()
                  + ", "
                  + reference.toColumn()
                  + ") VALUES (?, ?)")) {
        for (String target : reference.names(spec)) {
          ps.setString(1, name);
          ps.setString(2, target);
          ps.executeUpdate();
        }
      }
    }
  }

  private static void deleteReferences(Connection c, ResourceTable<?> table, String name)
      throws SQLException {
    for (ResourceTable.Reference<?> reference : table.references()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "DELETE FROM "
                  + reference.linkTable()
                  + " WHERE "
                  + reference.fromColumn()
                  + " = ?")) {
        ps.setString(1, name);
        ps.executeUpdate();
      }
    }
  }

  /** The resources of any kind that refer to the named one, sorted. */
  private static List<String> referrers(Connection c, ResourceKind kind, String name)
      throws SQLException {
    TreeSet<String> referrers = new TreeSet<>();
    for (ResourceTable.Reference<?> reference : ResourceTable.referencesTo(kind)) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + reference.fromColumn()
                  + " FROM "
                  + reference.linkTable()
                  + " WHERE "
                  + reference.toColumn()
                  + " = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            referrers.add(rs.getString(1));
          }
        }
      }
    }
    return List.copyOf(referrers);
  }

  private static void writeRevision(Connection c, long revision, OffsetDateTime now, String actor)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO revisions (revision, change_time, actor) VALUES (?, ?, ?)")) {
      ps.setLong(1, revision);
      ps.setObject(2, now);
      ps.setString(3, actor);
      ps.executeUpdate();
    }
  }

  private static void writeChange(
      Connection c,
      long revision,
      int seq,
      Action action,
      ResourceKind kind,
      String name,
      @Nullable String before,
      @Nullable String after,
      @Nullable String afterSealed)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO changes (revision, seq, action, kind, name, before_spec, after_spec,"
                + " after_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setLong(1, revision);
      ps.setInt(2, seq);
      ps.setString(3, action.name());
      ps.setString(4, kind.name());
      ps.setString(5, name);
      ps.setString(6, before);
      ps.setString(7, after);
      ps.setString(8, afterSealed);
      ps.executeUpdate();
    }
  }

  // ---- generic reads

  private static <T extends Message> List<T> resources(List<Stored<T>> stored) {
    return stored.stream().map(Stored::resource).toList();
  }

  private static <T extends Message> List<Stored<T>> readAll(Connection c, ResourceTable<T> table)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(select(table) + " ORDER BY name");
        ResultSet rs = ps.executeQuery()) {
      List<Stored<T>> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(row(rs, table).stored(table));
      }
      return rows;
    }
  }

  private static Optional<Row> readRow(Connection c, ResourceTable<?> table, String name)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(select(table) + " WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(row(rs, table)) : Optional.empty();
      }
    }
  }

  /** The columns a {@link Row} is read from. */
  private static String select(ResourceTable<?> table) {
    String sealed = table.sealedColumn();
    return "SELECT spec, revision, create_time, update_time"
        + (sealed == null ? "" : ", " + sealed)
        + " FROM "
        + table.kind().table();
  }

  private static Row row(ResultSet rs, ResourceTable<?> table) throws SQLException {
    return new Row(
        rs.getString(1),
        rs.getLong(2),
        rs.getObject(3, OffsetDateTime.class),
        rs.getObject(4, OffsetDateTime.class),
        table.sealedColumn() == null ? null : rs.getString(5));
  }

  private static long readRevision(Connection c, boolean lock) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT revision FROM config_state WHERE id = 1" + (lock ? " FOR UPDATE" : ""));
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("config_state has no row");
      }
      return rs.getLong(1);
    }
  }

  /** One stored resource row. */
  private record Row(
      String spec,
      long revision,
      OffsetDateTime createTime,
      OffsetDateTime updateTime,
      @Nullable String sealed) {
    <T extends Message> Stored<T> stored(ResourceTable<T> table) {
      T resource = withMetadata(parse(spec, table.prototype()), revision, createTime, updateTime);
      return new Stored<>(resource, sealed);
    }
  }

  // ---- transactions

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private interface WriteWork<T> {
    T run(Connection c, long revision, OffsetDateTime now) throws SQLException;
  }

  private <T> T read(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  private <T> T transaction(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      // Hikari restores auto-commit when the connection goes back to the pool.
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  private <T> T write(WriteWork<T> work) {
    long[] revision = new long[1];
    T result =
        transaction(
            c -> {
              // Bumping first takes the row lock that serialises every writer, on H2 and PostgreSQL
              // alike.
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "UPDATE config_state SET revision = revision + 1 WHERE id = 1")) {
                ps.executeUpdate();
              }
              revision[0] = readRevision(c, false);
              return work.run(c, revision[0], now());
            });
    for (LongConsumer listener : listeners) {
      try {
        listener.accept(revision[0]);
      } catch (RuntimeException e) {
        log.warn("store listener failed on revision {}", revision[0], e);
      }
    }
    return result;
  }

  private static StoreException unavailable(SQLException e) {
    log.warn("database call failed: {}", e.toString());
    return new StoreException("database unavailable: " + e.getMessage(), e);
  }

  private OffsetDateTime now() {
    // PostgreSQL keeps microseconds; truncating keeps returned times equal to what is read back.
    return OffsetDateTime.now(clock)
        .truncatedTo(ChronoUnit.MICROS)
        .withOffsetSameInstant(ZoneOffset.UTC);
  }

  // ---- protobuf

  private static String nameOf(Message m) {
    return (String) m.getField(m.getDescriptorForType().findFieldByName("name"));
  }

  private static <T extends Message> T stripOutputOnly(T m) {
    Descriptor d = m.getDescriptorForType();
    Message.Builder b =
        m.toBuilder()
            .clearField(d.findFieldByName("etag"))
            .clearField(d.findFieldByName("create_time"))
            .clearField(d.findFieldByName("update_time"));
    return cast(m, b.build());
  }

  private static <T extends Message> T withMetadata(
      T m, long revision, OffsetDateTime created, OffsetDateTime updated) {
    Descriptor d = m.getDescriptorForType();
    Message.Builder b =
        m.toBuilder()
            .setField(d.findFieldByName("etag"), Long.toString(revision))
            .setField(d.findFieldByName("create_time"), timestamp(created))
            .setField(d.findFieldByName("update_time"), timestamp(updated));
    return cast(m, b.build());
  }

  @SuppressWarnings("unchecked") // a builder of T's own type builds a T
  private static <T extends Message> T cast(T prototype, Message built) {
    if (!prototype.getClass().isInstance(built)) {
      throw new IllegalStateException("unexpected message type " + built.getClass());
    }
    return (T) built;
  }

  private static Timestamp timestamp(OffsetDateTime time) {
    return ProtoTime.timestamp(time.toInstant());
  }

  private static String json(Message m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + m.getDescriptorForType().getName(), e);
    }
  }

  private static <T extends Message> T parse(String json, T prototype) {
    Message.Builder b = prototype.newBuilderForType();
    try {
      PARSER.merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "stored " + prototype.getDescriptorForType().getName() + " is corrupt", e);
    }
    return cast(prototype, b.build());
  }
}
