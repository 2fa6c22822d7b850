package dev.concierge.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Redis server for a test, on 127.0.0.1 and a free port, without persistence: {@code
 * redis-server} from the PATH when there is one, else from Debian's packages fetched into {@code
 * target/redis} ({@code redis-server} is a symlink into {@code redis-tools}; {@code libjemalloc2}
 * and {@code liblzf1} are the shared libraries a bare machine lacks, found through {@code
 * LD_LIBRARY_PATH}). {@link #close()} kills it, and so does the JVM's exit if a test never gets
 * there.
 */
final class RedisServer implements AutoCloseable {
  private static final Path HOME = Path.of("target", "redis").toAbsolutePath();

  private final int port;
  private final Process process;
  private final Thread killer;

  private RedisServer(int port, Process process) {
    this.port = port;
    this.process = process;
    this.killer = new Thread(process::destroyForcibly, "kill-redis-" + port);
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /** Starts a server and waits until it accepts connections. */
  static RedisServer start() throws Exception {
    int port = Pebble.freePort();
    ProcessBuilder builder =
        new ProcessBuilder(
            executable().toString(),
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            HOME.toString());
    Path libraries = libraries();
    if (libraries != null) {
      builder.environment().put("LD_LIBRARY_PATH", libraries.toString());
    }
    Files.createDirectories(HOME);
    Process process =
        builder
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.to(HOME.resolve("redis-" + port + ".log").toFile()))
            .start();
    RedisServer redis = new RedisServer(port, process);
    try {
      Pebble.awaitListening(port);
    } catch (RuntimeException | Error e) {
      redis.close();
      throw e;
    }
    return redis;
  }

  private static Path executable() throws Exception {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":", -1)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "redis-server"))) {
        return Path.of(dir, "redis-server");
      }
    }
    Path root =
        DebianBinaries.unpacked(
            "redis",
            "usr/bin/redis-server",
            "libjemalloc2",
            "liblzf1",
            "redis-tools",
            "redis-server");
    return root.resolve("usr/bin/redis-server");
  }

  /** The directory of the unpacked shared libraries, or null when Redis came from the PATH. */
  private static Path libraries() throws IOException {
    Path lib = HOME.resolve("root/usr/lib");
    if (!Files.isDirectory(lib)) {
      return null;
    }
    try (Stream<Path> files = Files.walk(lib)) {
      List<Path> found =
          files.filter(p -> p.getFileName().toString().equals("libjemalloc.so.2")).toList();
      return found.isEmpty() ? null : found.get(0).getParent();
    }
  }

  /** Where a node finds this server: {@code redis://127.0.0.1:PORT}. */
  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Stops the server (a crash, as far as its clients can tell); idempotent. */
  void stop() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException e) {
      // The JVM is exiting: the hook runs anyway.
    }
  }
}
