package dev.concierge.cli;

import dev.concierge.dataplane.ratelimit.RedisRateLimitStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The data plane's {@code --redis} and {@code --redis-password-file}: where the node finds the
 * Redis that GLOBAL rate limits share with the fleet. Node bootstrap, not fleet configuration: the
 * address and password never go through the control plane.
 */
final class RedisOptions {
  @Option(
      names = "--redis",
      paramLabel = "URI",
      description =
          "Redis shared by the fleet's GLOBAL rate limits, e.g. redis://10.0.0.5:6379 (rediss://"
              + " for TLS); without it each request of a GLOBAL limit is decided by the limit's"
              + " on_store_error (default: let through) and counted.")
  @Nullable String uri;

  @Option(
      names = "--redis-password-file",
      paramLabel = "FILE",
      description = "With --redis: file whose first line is the Redis password.")
  @Nullable Path passwordFile;

  /** Where the node finds Redis, and with what password. */
  record Target(String uri, @Nullable String password) {}

  /** The Redis given, or null for none; a bad value is a usage error. */
  @Nullable Target target(CommandLine commandLine) {
    if (uri == null) {
      if (passwordFile != null) {
        throw new ParameterException(commandLine, "--redis-password-file needs --redis");
      }
      return null;
    }
    String value = uri.strip();
    if (!value.startsWith("redis://") && !value.startsWith("rediss://")) {
      throw new ParameterException(
          commandLine,
          "Invalid value for option '--redis': '"
              + value
              + "' (expected redis://HOST:PORT or rediss://HOST:PORT)");
    }
    try {
      RedisRateLimitStore.check(value);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          commandLine, "Invalid value for option '--redis': " + e.getMessage());
    }
    String password = null;
    if (passwordFile != null) {
      try {
        password =
            Files.readString(passwordFile, StandardCharsets.UTF_8).lines().findFirst().orElse("");
      } catch (IOException e) {
        throw new ParameterException(
            commandLine, "cannot read --redis-password-file " + passwordFile + ": " + e);
      }
    }
    return new Target(value, password);
  }
}
