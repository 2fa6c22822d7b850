package dev.concierge.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where the CLI connects and with which token, resolved as flag, then environment, then config
 * file, then default.
 *
 * @param server control plane address, {@code host:port}
 * @param token admin token; empty when none was found anywhere
 *     <p>Nullable parameters below are marked in prose: null means "not given".
 */
record ClientSettings(String server, String token) {

  static final String ENV_SERVER = "CONCIERGE_SERVER";
  static final String ENV_TOKEN = "CONCIERGE_TOKEN";
  static final String ENV_CONFIG = "CONCIERGE_CONFIG";

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final YAMLMapper YAML_OUT =
      YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build();

  static ClientSettings resolve(
      @Nullable String flagServer,
      @Nullable String flagToken,
      @Nullable Path flagConfig,
      Map<String, String> env) {
    String server = firstNonBlank(flagServer, env.get(ENV_SERVER));
    String token = firstNonBlank(flagToken, env.get(ENV_TOKEN));
    if (server == null || token == null) {
      ConfigFile file = ConfigFile.read(configPath(flagConfig, env), flagConfig != null);
      server = firstNonBlank(server, file.server());
      token = firstNonBlank(token, file.token());
    }
    return new ClientSettings(
        server == null ? ConciergeCommand.DEFAULT_SERVER : server.strip(),
        token == null ? "" : token.strip());
  }

  static Path configPath(@Nullable Path flagConfig, Map<String, String> env) {
    if (flagConfig != null) {
      return flagConfig;
    }
    String fromEnv = env.get(ENV_CONFIG);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    return home(env).resolve(".concierge").resolve("config");
  }

  static Path home(Map<String, String> env) {
    String home = env.get("HOME");
    return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
  }

  private static @Nullable String firstNonBlank(@Nullable String a, @Nullable String b) {
    if (a != null && !a.isBlank()) {
      return a;
    }
    return b != null && !b.isBlank() ? b : null;
  }

  /** The YAML config file's two keys; both may be absent. */
  record ConfigFile(@Nullable String server, @Nullable String token) {

    /** Reads the file; a missing file is empty unless the user named it explicitly. */
    static ConfigFile read(Path path, boolean explicit) {
      String text;
      try {
        text = Files.readString(path);
      } catch (NoSuchFileException e) {
        if (explicit) {
          throw new CommandFailure("config file " + path + " does not exist");
        }
        return new ConfigFile(null, null);
      } catch (IOException e) {
        throw new CommandFailure("cannot read config file " + path + ": " + e.getMessage());
      }
      if (text.isBlank()) {
        return new ConfigFile(null, null);
      }
      JsonNode root;
      try {
        root = YAML.readTree(text);
      } catch (JsonProcessingException e) {
        throw new CommandFailure(
            "config file " + path + " is not valid YAML: " + e.getOriginalMessage());
      }
      if (root == null || root.isMissingNode() || root.isNull()) {
        return new ConfigFile(null, null);
      }
      if (!root.isObject()) {
        throw new CommandFailure(
            "config file " + path + " must be a YAML mapping with 'server' and 'token'");
      }
      return new ConfigFile(text(root, "server"), text(root, "token"));
    }

    /**
     * Writes {@code server} and {@code token} as YAML, readable by the owner only (file 0600, a
     * created directory 0700), replacing the file atomically.
     */
    static void write(Path file, String server, String token) {
      Map<String, String> config = new LinkedHashMap<>();
      config.put("server", server);
      config.put("token", token);
      boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      try {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
          if (posix) {
            Files.createDirectories(
                dir,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
          } else {
            Files.createDirectories(dir);
          }
        }
        // Written next to the target and moved in: the token is never readable by others, even
        // briefly, and a reader never sees half a file.
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (posix) {
          Files.createFile(
              tmp,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(tmp, YAML_OUT.writeValueAsString(config));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new CommandFailure("cannot write CLI config " + file + ": " + e.getMessage(), e);
      }
    }

    private static @Nullable String text(JsonNode root, String key) {
      JsonNode node = root.get(key);
      return node == null || node.isNull() ? null : node.asText();
    }
  }
}
