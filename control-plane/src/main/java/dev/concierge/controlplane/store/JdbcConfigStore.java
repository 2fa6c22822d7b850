package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.WeightedCluster;
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
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ConfigStore} on JDBC (H2 or PostgreSQL) through a HikariCP pool. Resources are kept as
 * protobuf JSON beside the columns that queries need; the schema is migrated by Flyway on open.
 */
public final class JdbcConfigStore implements ConfigStore {
  private static final Logger log = LoggerFactory.getLogger(JdbcConfigStore.class);
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private final HikariDataSource dataSource;
  private final Clock clock;
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();

  private JdbcConfigStore(HikariDataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.clock = clock;
  }

  /** The default embedded database: H2 in file mode, every commit written at once. */
  public static String h2Url(Path dataDir) {
    return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("concierge") + ";WRITE_DELAY=0";
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

  // ---- clusters

  @Override
  public Cluster createCluster(Cluster cluster, String actor) {
    return create(ResourceKind.CLUSTER, cluster, null, actor);
  }

  @Override
  public Cluster updateCluster(Cluster cluster, String expectedEtag, String actor) {
    return update(ResourceKind.CLUSTER, cluster, null, expectedEtag, actor);
  }

  @Override
  public void deleteCluster(String name, String expectedEtag, String actor) {
    delete(ResourceKind.CLUSTER, name, expectedEtag, actor);
  }

  @Override
  public Optional<Cluster> getCluster(String name) {
    return get(ResourceKind.CLUSTER, name, Cluster.getDefaultInstance());
  }

  @Override
  public Page<Cluster> listClusters(int pageSize, String pageToken) {
    return list(ResourceKind.CLUSTER, pageSize, pageToken, Cluster.getDefaultInstance());
  }

  // ---- routes

  @Override
  public Route createRoute(Route route, String actor) {
    return create(ResourceKind.ROUTE, route, null, actor);
  }

  @Override
  public Route updateRoute(Route route, String expectedEtag, String actor) {
    return update(ResourceKind.ROUTE, route, null, expectedEtag, actor);
  }

  @Override
  public void deleteRoute(String name, String expectedEtag, String actor) {
    delete(ResourceKind.ROUTE, name, expectedEtag, actor);
  }

  @Override
  public Optional<Route> getRoute(String name) {
    return get(ResourceKind.ROUTE, name, Route.getDefaultInstance());
  }

  @Override
  public Page<Route> listRoutes(int pageSize, String pageToken) {
    return list(ResourceKind.ROUTE, pageSize, pageToken, Route.getDefaultInstance());
  }

  // ---- certificates

  @Override
  public Certificate createCertificate(StoredCertificate certificate, String actor) {
    return create(
        ResourceKind.CERTIFICATE, certificate.certificate(), certificate.keyCiphertext(), actor);
  }

  @Override
  public Certificate updateCertificate(
      StoredCertificate certificate, String expectedEtag, String actor) {
    return update(
        ResourceKind.CERTIFICATE,
        certificate.certificate(),
        certificate.keyCiphertext(),
        expectedEtag,
        actor);
  }

  @Override
  public void deleteCertificate(String name, String expectedEtag, String actor) {
    delete(ResourceKind.CERTIFICATE, name, expectedEtag, actor);
  }

  @Override
  public Optional<Certificate> getCertificate(String name) {
    return get(ResourceKind.CERTIFICATE, name, Certificate.getDefaultInstance());
  }

  @Override
  public Optional<StoredCertificate> getStoredCertificate(String name) {
    return read(
        c ->
            readRow(c, ResourceKind.CERTIFICATE, name)
                .map(
                    row ->
                        new StoredCertificate(
                            row.resource(Certificate.getDefaultInstance()),
                            requireNonNull(row.keyCiphertext, "key_ciphertext"))));
  }

  @Override
  public Page<Certificate> listCertificates(int pageSize, String pageToken) {
    return list(ResourceKind.CERTIFICATE, pageSize, pageToken, Certificate.getDefaultInstance());
  }

  // ---- whole config, history, nodes

  @Override
  public StoredConfig readConfig() {
    return transaction(
        c -> {
          // Locking the revision row keeps writers out while the tables are read, so they agree.
          long revision = readRevision(c, true);
          List<Cluster> clusters = new ArrayList<>();
          for (Row row : readAll(c, ResourceKind.CLUSTER)) {
            clusters.add(row.resource(Cluster.getDefaultInstance()));
          }
          List<Route> routes = new ArrayList<>();
          for (Row row : readAll(c, ResourceKind.ROUTE)) {
            routes.add(row.resource(Route.getDefaultInstance()));
          }
          List<StoredCertificate> certificates = new ArrayList<>();
          for (Row row : readAll(c, ResourceKind.CERTIFICATE)) {
            certificates.add(
                new StoredCertificate(
                    row.resource(Certificate.getDefaultInstance()),
                    requireNonNull(row.keyCiphertext, "key_ciphertext")));
          }
          return new StoredConfig(revision, clusters, routes, certificates);
        });
  }

  @Override
  public List<HistoryEntry> history(int limit) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT revision, change_time, actor, action, kind, name, before_spec, after_spec"
                      + " FROM history ORDER BY revision DESC LIMIT ?")) {
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
  public void saveNode(Node node) {
    String json = json(node);
    OffsetDateTime now = now();
    transaction(
        c -> {
          // UPDATE, then INSERT if absent: portable between H2 and PostgreSQL, unlike MERGE/UPSERT.
          try (PreparedStatement ps =
              c.prepareStatement("UPDATE nodes SET spec = ?, update_time = ? WHERE name = ?")) {
            ps.setString(1, json);
            ps.setObject(2, now);
            ps.setString(3, node.getName());
            if (ps.executeUpdate() > 0) {
              return node;
            }
          }
          try (PreparedStatement ps =
              c.prepareStatement("INSERT INTO nodes (name, spec, update_time) VALUES (?, ?, ?)")) {
            ps.setString(1, node.getName());
            ps.setString(2, json);
            ps.setObject(3, now);
            ps.executeUpdate();
          }
          return node;
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

  @Override
  public void close() {
    dataSource.close();
  }

  // ---- generic writes

  private <T extends Message> T create(
      ResourceKind kind, T resource, @Nullable String keyCiphertext, String actor) {
    T spec = stripOutputOnly(resource);
    String name = nameOf(spec);
    return write(
        (c, revision, now) -> {
          if (readRow(c, kind, name).isPresent()) {
            throw new StoreException(
                Reason.ALREADY_EXISTS, kind.singular() + " \"" + name + "\" already exists");
          }
          checkReferences(c, kind, spec);
          String json = json(spec);
          String sql =
              kind == ResourceKind.CERTIFICATE
                  ? "INSERT INTO certificates (name, spec, revision, create_time, update_time,"
                      + " key_ciphertext) VALUES (?, ?, ?, ?, ?, ?)"
                  : "INSERT INTO "
                      + kind.table()
                      + " (name, spec, revision, create_time, update_time) VALUES (?, ?, ?, ?, ?)";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            ps.setString(2, json);
            ps.setLong(3, revision);
            ps.setObject(4, now);
            ps.setObject(5, now);
            if (kind == ResourceKind.CERTIFICATE) {
              ps.setString(6, requireNonNull(keyCiphertext, "keyCiphertext"));
            }
            ps.executeUpdate();
          }
          writeReferences(c, kind, spec);
          writeHistory(c, revision, now, actor, Action.CREATE, kind, name, null, json);
          return withMetadata(spec, revision, now, now);
        });
  }

  private <T extends Message> T update(
      ResourceKind kind,
      T resource,
      @Nullable String keyCiphertext,
      String expectedEtag,
      String actor) {
    T spec = stripOutputOnly(resource);
    String name = nameOf(spec);
    return write(
        (c, revision, now) -> {
          Row row = readRow(c, kind, name).orElseThrow(() -> notFound(kind, name));
          checkEtag(kind, name, expectedEtag, row.revision);
          checkReferences(c, kind, spec);
          String json = json(spec);
          String sql =
              kind == ResourceKind.CERTIFICATE
                  ? "UPDATE certificates SET spec = ?, revision = ?, update_time = ?,"
                      + " key_ciphertext = ? WHERE name = ?"
                  : "UPDATE "
                      + kind.table()
                      + " SET spec = ?, revision = ?, update_time = ? WHERE name = ?";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, json);
            ps.setLong(i++, revision);
            ps.setObject(i++, now);
            if (kind == ResourceKind.CERTIFICATE) {
              ps.setString(i++, requireNonNull(keyCiphertext, "keyCiphertext"));
            }
            ps.setString(i, name);
            ps.executeUpdate();
          }
          writeReferences(c, kind, spec);
          writeHistory(c, revision, now, actor, Action.UPDATE, kind, name, row.spec, json);
          return withMetadata(spec, revision, row.createTime, now);
        });
  }

  private void delete(ResourceKind kind, String name, String expectedEtag, String actor) {
    write(
        (c, revision, now) -> {
          Row row = readRow(c, kind, name).orElseThrow(() -> notFound(kind, name));
          checkEtag(kind, name, expectedEtag, row.revision);
          if (kind == ResourceKind.CLUSTER) {
            List<String> routes = routesUsing(c, name);
            if (!routes.isEmpty()) {
              throw new StoreException(
                  Reason.IN_USE,
                  "cluster \"" + name + "\" is used by " + String.join(", ", routes),
                  routes);
            }
          }
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM " + kind.table() + " WHERE name = ?")) {
            ps.setString(1, name);
            ps.executeUpdate();
          }
          if (kind == ResourceKind.ROUTE) {
            deleteReferences(c, name);
          }
          writeHistory(c, revision, now, actor, Action.DELETE, kind, name, row.spec, null);
          return row;
        });
  }

  private static void checkEtag(
      ResourceKind kind, String name, String expectedEtag, long storedRevision) {
    if (expectedEtag != null
        && !expectedEtag.isEmpty()
        && !expectedEtag.equals(Long.toString(storedRevision))) {
      throw new StoreException(
          Reason.ETAG_MISMATCH,
          kind.singular()
              + " \""
              + name
              + "\" has changed: etag \""
              + expectedEtag
              + "\" is stale, the current one is \""
              + storedRevision
              + "\"");
    }
  }

  private static StoreException notFound(ResourceKind kind, String name) {
    return new StoreException(Reason.NOT_FOUND, kind.singular() + " \"" + name + "\" not found");
  }

  private static void checkReferences(Connection c, ResourceKind kind, Message spec)
      throws SQLException {
    if (kind != ResourceKind.ROUTE) {
      return;
    }
    List<String> missing = new ArrayList<>();
    for (String cluster : clustersOf((Route) spec)) {
      if (readRow(c, ResourceKind.CLUSTER, cluster).isEmpty()) {
        missing.add(cluster);
      }
    }
    if (!missing.isEmpty()) {
      throw new StoreException(
          Reason.MISSING_REFERENCE,
          "route \"" + nameOf(spec) + "\" refers to missing " + String.join(", ", missing),
          missing);
    }
  }

  private static SortedSet<String> clustersOf(Route route) {
    TreeSet<String> clusters = new TreeSet<>();
    for (WeightedCluster wc : route.getForward().getClustersList()) {
      clusters.add(wc.getCluster());
    }
    return clusters;
  }

  private static void writeReferences(Connection c, ResourceKind kind, Message spec)
      throws SQLException {
    if (kind != ResourceKind.ROUTE) {
      return;
    }
    String route = nameOf(spec);
    deleteReferences(c, route);
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO route_clusters (route_name, cluster_name) VALUES (?, ?)")) {
      for (String cluster : clustersOf((Route) spec)) {
        ps.setString(1, route);
        ps.setString(2, cluster);
        ps.executeUpdate();
      }
    }
  }

  private static void deleteReferences(Connection c, String route) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM route_clusters WHERE route_name = ?")) {
      ps.setString(1, route);
      ps.executeUpdate();
    }
  }

  private static List<String> routesUsing(Connection c, String cluster) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT route_name FROM route_clusters WHERE cluster_name = ? ORDER BY route_name")) {
      ps.setString(1, cluster);
      try (ResultSet rs = ps.executeQuery()) {
        List<String> routes = new ArrayList<>();
        while (rs.next()) {
          routes.add(rs.getString(1));
        }
        return routes;
      }
    }
  }

  private static void writeHistory(
      Connection c,
      long revision,
      OffsetDateTime now,
      String actor,
      Action action,
      ResourceKind kind,
      String name,
      @Nullable String before,
      @Nullable String after)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO history (revision, change_time, actor, action, kind, name, before_spec,"
                + " after_spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setLong(1, revision);
      ps.setObject(2, now);
      ps.setString(3, actor);
      ps.setString(4, action.name());
      ps.setString(5, kind.name());
      ps.setString(6, name);
      ps.setString(7, before);
      ps.setString(8, after);
      ps.executeUpdate();
    }
  }

  // ---- generic reads

  private <T extends Message> Optional<T> get(ResourceKind kind, String name, T prototype) {
    return read(c -> readRow(c, kind, name).map(row -> row.resource(prototype)));
  }

  private <T extends Message> Page<T> list(
      ResourceKind kind, int pageSize, String pageToken, T prototype) {
    int size = Page.size(pageSize);
    String after = Page.nameAfter(pageToken, kind.namePrefix());
    return read(
        c -> {
          List<T> items = new ArrayList<>();
          boolean more = false;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + columns(kind)
                      + " FROM "
                      + kind.table()
                      + " WHERE name > ? ORDER BY name LIMIT ?")) {
            ps.setString(1, after);
            ps.setInt(2, size + 1);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                if (items.size() == size) {
                  more = true;
                  break;
                }
                items.add(row(rs, kind).resource(prototype));
              }
            }
          }
          String next = more ? Page.tokenAfter(nameOf(items.get(items.size() - 1))) : "";
          return new Page<>(items, next);
        });
  }

  private static List<Row> readAll(Connection c, ResourceKind kind) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT " + columns(kind) + " FROM " + kind.table() + " ORDER BY name");
        ResultSet rs = ps.executeQuery()) {
      List<Row> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(row(rs, kind));
      }
      return rows;
    }
  }

  private static Optional<Row> readRow(Connection c, ResourceKind kind, String name)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + columns(kind) + " FROM " + kind.table() + " WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(row(rs, kind)) : Optional.empty();
      }
    }
  }

  private static String columns(ResourceKind kind) {
    return "spec, revision, create_time, update_time"
        + (kind == ResourceKind.CERTIFICATE ? ", key_ciphertext" : "");
  }

  private static Row row(ResultSet rs, ResourceKind kind) throws SQLException {
    return new Row(
        rs.getString(1),
        rs.getLong(2),
        rs.getObject(3, OffsetDateTime.class),
        rs.getObject(4, OffsetDateTime.class),
        kind == ResourceKind.CERTIFICATE ? rs.getString(5) : null);
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
      @Nullable String keyCiphertext) {
    <T extends Message> T resource(T prototype) {
      return withMetadata(parse(spec, prototype), revision, createTime, updateTime);
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
            .setField(d.findFieldByName("create_time"), timestamp(created.toInstant()))
            .setField(d.findFieldByName("update_time"), timestamp(updated.toInstant()));
    return cast(m, b.build());
  }

  @SuppressWarnings("unchecked") // a builder of T's own type builds a T
  private static <T extends Message> T cast(T prototype, Message built) {
    if (!prototype.getClass().isInstance(built)) {
      throw new IllegalStateException("unexpected message type " + built.getClass());
    }
    return (T) built;
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
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
