package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL for tests: one server per test JVM, started on first use, shared, and stopped when
 * JUnit closes its root store at the end of the run. Every caller of {@link #createDatabase()} gets
 * an empty database of its own; nothing is ever wiped.
 *
 * <p>The server is zonky's embedded PostgreSQL on a free loopback port (as root it runs under
 * {@code unshare -U}, so it needs /usr/bin/unshare and user namespaces). When the environment
 * variable {@value #URL_VARIABLE} holds a JDBC URL (jdbc:postgresql://host:port/db?user=..&amp;
 * password=.., a role allowed to CREATE DATABASE), that server is used instead, and the databases
 * created in it are dropped at the end.
 *
 * <p>Get it with {@link #shared(ExtensionContext)}, or as a test or lifecycle method parameter with
 * {@code @ExtendWith(TestPostgres.Resolver.class)}. Thread-safe.
 */
public final class TestPostgres implements AutoCloseable {
  /** The escape hatch: a server to use instead of the embedded one. */
  public static final String URL_VARIABLE = "CONCIERGE_PG_URL";

  private static final Logger log = LoggerFactory.getLogger(TestPostgres.class);
  private static final Namespace NAMESPACE = Namespace.create(TestPostgres.class);
  private static final Pattern JDBC_URL =
      Pattern.compile("(jdbc:postgresql://[^/?]+/)([^?]*)(\\?.*)?");

  private final String externalUrl;
  // All guarded by this.
  private EmbeddedPostgres embedded;
  private final List<String> created = new ArrayList<>();
  private boolean closed;

  private TestPostgres(String externalUrl) {
    if (externalUrl != null && !JDBC_URL.matcher(externalUrl).matches()) {
      throw new IllegalArgumentException(
          URL_VARIABLE + " must look like jdbc:postgresql://host:port/db?user=..: " + externalUrl);
    }
    this.externalUrl = externalUrl;
  }

  /** This JVM's instance, kept in JUnit's root store so that it is closed once, at the end. */
  public static TestPostgres shared(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .computeIfAbsent(
            TestPostgres.class,
            key -> new TestPostgres(blankToNull(System.getenv(URL_VARIABLE))),
            TestPostgres.class);
  }

  /** Creates an empty database named t_&lt;random&gt; and returns its JDBC URL. */
  public synchronized String createDatabase() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    String name = "t_" + UUID.randomUUID().toString().replace("-", "");
    execute("CREATE DATABASE " + name);
    created.add(name);
    return url(name);
  }

  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (embedded != null) {
      // The whole cluster goes, databases and all.
      embedded.close();
      return;
    }
    for (String name : created) {
      try {
        execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      } catch (IllegalStateException e) {
        log.warn("could not drop test database {}: {}", name, e.getMessage());
      }
    }
  }

  private void execute(String sql) {
    try (Connection c = DriverManager.getConnection(url(null));
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** The URL of database name, or of the maintenance database when name is null. */
  private String url(String name) {
    if (externalUrl == null) {
      EmbeddedPostgres pg = embedded();
      return "jdbc:postgresql://localhost:"
          + pg.getPort()
          + "/"
          + (name == null ? "postgres" : name)
          + "?user=postgres";
    }
    Matcher m = JDBC_URL.matcher(externalUrl);
    if (!m.matches()) {
      throw new IllegalStateException("unreachable: checked in the constructor");
    }
    return name == null ? externalUrl : m.group(1) + name + (m.group(3) == null ? "" : m.group(3));
  }

  private EmbeddedPostgres embedded() {
    if (embedded == null) {
      long start = System.nanoTime();
      try {
        embedded =
            EmbeddedPostgres.builder()
                // Port 0: zonky picks a free one. PostgreSQL's "localhost" is loopback only.
                .setPort(0)
                .setServerConfig("listen_addresses", "localhost")
                // Throw-away data: no need to survive a crash.
                .setServerConfig("fsync", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
      } catch (IOException e) {
        throw new IllegalStateException(
            "cannot start embedded PostgreSQL (as root it needs /usr/bin/unshare and user"
                + " namespaces; or set "
                + URL_VARIABLE
                + "): "
                + e.getMessage(),
            e);
      }
      log.info(
          "embedded PostgreSQL on port {} started in {} ms",
          embedded.getPort(),
          (System.nanoTime() - start) / 1_000_000);
    }
    return embedded;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** Resolves a {@link TestPostgres} parameter to {@link #shared(ExtensionContext)}. */
  public static final class Resolver implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == TestPostgres.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return shared(requireNonNull(context, "context"));
    }
  }
}
