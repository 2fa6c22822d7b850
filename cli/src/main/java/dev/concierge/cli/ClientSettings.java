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
 * Where the CLI connects, with which token and trusting which CA, resolved as flag, then
 * environment, then config file, then default.
 *
 * @param server control plane address, {@code host:port}
 * @param token admin token; empty when none was found anywhere
 * @param ca PEM of the CA that signed the control plane's certificate; empty when none was found
 *     anywhere (then the JVM's default trust store decides)
 *     <p>Nullable parameters below are marked in prose: null means "not given".
 */
record ClientSettings(String server, String token, String ca) {

  static final String ENV_SERVER = "CONCIERGE_SERVER";
  static final String ENV_TOKEN = "CONCIERGE_TOKEN";
  static final String ENV_CONFIG = "CONCIERGE_CONFIG";
  static final String ENV_CA_FILE = "CONCIERGE_CA_FILE";

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final YAMLMapper YAML_OUT =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          // The CA's PEM as a readable block rather than one escaped line.
          .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
          .build();

  static ClientSettings resolve(
      @Nullable String flagServer,
      @Nullable String flagToken,
      @Nullable Path flagConfig,
      Map<String, String> env) {
    return resolve(flagServer, flagToken, null, flagConfig, env);
  }

  static ClientSettings resolve(
      @Nullable String flagServer,
      @Nullable String flagToken,
      @Nullable Path flagCaFile,
      @Nullable Path flagConfig,
      Map<String, String> env) {
    String server = firstNonBlank(flagServer, env.get(ENV_SERVER));
    String token = firstNonBlank(flagToken, env.get(ENV_TOKEN));
    String caFile =
        firstNonBlank(flagCaFile == null ? null : flagCaFile.toString(), env.get(ENV_CA_FILE));
    String ca = caFile == null ? null : readCa(Path.of(caFile));
    if (server == null || token == null || ca == null) {
      ConfigFile file = ConfigFile.read(configPath(flagConfig, env), flagConfig != null);
      server = firstNonBlank(server, file.server());
      token = firstNonBlank(token, file.token());
      ca = firstNonBlank(ca, file.ca());
    }
    return new ClientSettings(
        server == null ? ConciergeCommand.DEFAULT_SERVER : server.strip(),
        token == null ? "" : token.strip(),
        ca == null ? "" : ca.strip() + "\n");
  }

  private static String readCa(Path file) {
    try {
      String pem = Files.readString(file);
      if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
        throw new CommandFailure("CA file " + file + " holds no PEM certificate");
      }
      return pem;
    } catch (NoSuchFileException e) {
      throw new CommandFailure("CA file " + file + " does not exist");
    } catch (IOException e) {
      throw new CommandFailure("cannot read CA file " + file + ": " + e.getMessage(), e);
    }
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

  /**
   * The YAML config file's keys; each may be absent. {@code ca} is the PEM itself, so the file
   * alone is enough to reach the control plane.
   */
  record ConfigFile(@Nullable String server, @Nullable String token, @Nullable String ca) {

    /** Reads the file; a missing file is empty unless the user named it explicitly. */
    static ConfigFile read(Path path, boolean explicit) {
      String text;
      try {
        text = Files.readString(path);
      } catch (NoSuchFileException e) {
        if (explicit) {
          throw new CommandFailure("config file " + path + " does not exist");
        }
        return new ConfigFile(null, null, null);
      } catch (IOException e) {
        throw new CommandFailure("cannot read config file " + path + ": " + e.getMessage());
      }
      if (text.isBlank()) {
        return new ConfigFile(null, null, null);
      }
      JsonNode root;
      try {
        root = YAML.readTree(text);
      } catch (JsonProcessingException e) {
        throw new CommandFailure(
            "config file " + path + " is not valid YAML: " + e.getOriginalMessage());
      }
      if (root == null || root.isMissingNode() || root.isNull()) {
        return new ConfigFile(null, null, null);
      }
      if (!root.isObject()) {
        throw new CommandFailure(
            "config file " + path + " must be a YAML mapping with 'server', 'token' and 'ca'");
      }
      return new ConfigFile(text(root, "server"), text(root, "token"), text(root, "ca"));
    }

    /**
     * Writes {@code server}, {@code token} and {@code ca} (PEM, left out when empty) as YAML,
     * readable by the owner only (file 0600, a created directory 0700), replacing the file
     * atomically.
     */
    static void write(Path file, String server, String token, String ca) {
      Map<String, String> config = new LinkedHashMap<>();
      config.put("server", server);
      config.put("token", token);
      if (!ca.isEmpty()) {
        config.put("ca", ca);
      }
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
