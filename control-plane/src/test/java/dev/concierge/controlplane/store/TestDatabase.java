package dev.concierge.controlplane.store;

import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.support.ParameterDeclarations;

/** A database the store is tested on. */
@FunctionalInterface
interface TestDatabase {

  /** The JDBC URL of a database of the caller's own; dir is the caller's temporary directory. */
  String createUrl(Path dir);

  /**
   * Both databases, for {@code @ParameterizedClass @ArgumentsSource(TestDatabase.All.class)}: H2 in
   * a file under dir, and a fresh database on {@link TestPostgres}.
   */
  final class All implements ArgumentsProvider {
    @Override
    public Stream<? extends Arguments> provideArguments(
        ParameterDeclarations parameters, ExtensionContext context) {
      TestPostgres postgres = TestPostgres.shared(context);
      TestDatabase h2 = JdbcConfigStore::h2Url;
      TestDatabase postgresql = dir -> postgres.createDatabase();
      return Stream.of(arguments(named("H2", h2)), arguments(named("PostgreSQL", postgresql)));
    }
  }
}
