package dev.concierge.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Config as code on the CLI's side: reads YAML or JSON documents (files, a directory of them, or
 * standard input) into one {@link Config} for Apply, remembering where each resource came from so
 * that the server's field paths ({@code routes[5].match.hosts[0]}) are shown as the user's ({@code
 * web.yaml: routes[2].match.hosts[0]}); and writes a Config as the document Apply takes.
 *
 * <p>A document has up to four lists, {@code clusters}, {@code routes}, {@code certificates} and
 * {@code policies}, of resources in the API's JSON form (full names such as {@code clusters/web}).
 * A certificate may name files instead of holding PEM: {@code certificate_chain_file} and {@code
 * private_key_file}, relative to the document's file, and {@code private_key_passphrase_file} for
 * an encrypted key (its first line). A policy's IP access list may take blocks from files the same
 * way, {@code allow_file} and {@code deny_file} (one CIDR block per line, {@code #} comments),
 * added to any {@code allow} and {@code deny} given inline. A written document never holds a
 * private key or passphrase.
 */
final class ConfigDocuments {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML_OUT =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .build();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer();
  private static final List<String> LISTS =
      List.of("clusters", "routes", "certificates", "policies");

  private final Config config;
  // "routes[5]" of the combined config -> "web.yaml: routes[2]"
  private final Map<String, String> origins;

  private ConfigDocuments(Config config, Map<String, String> origins) {
    this.config = config;
    this.origins = Map.copyOf(origins);
  }

  /** The combined config of everything read. */
  Config config() {
    return config;
  }

  /**
   * A server field path as the user wrote it: {@code routes[5].match} becomes {@code web.yaml:
   * routes[2].match}; paths not about one resource of the documents are returned as they are.
   */
  String origin(String field) {
    int end = field.indexOf(']');
    if (end < 0) {
      return field;
    }
    String where = origins.get(field.substring(0, end + 1));
    return where == null ? field : where + field.substring(end + 1);
  }

  /**
   * Reads every source: a file, a directory (its *.yaml, *.yml and *.json files, by name), or "-"
   * for standard input.
   *
   * @throws CommandFailure naming the file and document of the first problem found
   */
  static ConfigDocuments read(List<String> sources, java.io.InputStream stdin) {
    Reader reader = new Reader();
    for (String source : sources) {
      if (source.equals("-")) {
        try {
          reader.readText(
              "<stdin>", new String(stdin.readAllBytes(), StandardCharsets.UTF_8), Path.of("."));
        } catch (IOException e) {
          throw new CommandFailure("cannot read standard input: " + e.getMessage(), e);
        }
        continue;
      }
      Path path = Path.of(source);
      if (Files.isDirectory(path)) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(path)) {
          files = listing.filter(ConfigDocuments::isConfigFile).sorted().toList();
        } catch (IOException e) {
          throw new CommandFailure("cannot list " + source + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
          throw new CommandFailure(source + " holds no .yaml, .yml or .json file");
        }
        for (Path file : files) {
          reader.readFile(file);
        }
      } else {
        reader.readFile(path);
      }
    }
    return new ConfigDocuments(reader.config.build(), reader.origins);
  }

  private static boolean isConfigFile(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return Files.isRegularFile(p)
        && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
  }

  /** The document Apply takes, as YAML: what {@code get all} prints. */
  static String yaml(Config config) {
    return "# Concierge config at revision "
        + config.getRevision()
        + "; apply with: concierge apply -f FILE\n"
        + writeYaml(tree(config));
  }

  /** The document Apply takes, as JSON. */
  static String json(Config config) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree(config));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode tree(Config config) {
    try {
      ObjectNode tree = (ObjectNode) JSON.readTree(PRINTER.print(config));
      tree.remove("revision");
      JsonNode certificates = tree.get("certificates");
      if (certificates != null) {
        // The control plane never exports keys; neither does the CLI, whatever it was given.
        for (JsonNode certificate : certificates) {
          ((ObjectNode) certificate).remove(List.of("privateKey", "privateKeyPassphrase"));
        }
      }
      return tree;
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException("cannot print the config", e);
    }
  }

  private static String writeYaml(JsonNode tree) {
    try {
      return tree.isEmpty() ? "{}\n" : YAML_OUT.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Accumulates documents into one config, recording each resource's origin. */
  private static final class Reader {
    final Config.Builder config = Config.newBuilder();
    final Map<String, String> origins = new HashMap<>();

    void readFile(Path file) {
      String text;
      try {
        text = Files.readString(file);
      } catch (IOException e) {
        throw new CommandFailure("cannot read " + file + ": " + reason(e), e);
      }
      Path dir = file.toAbsolutePath().getParent();
      readText(file.toString(), text, dir == null ? Path.of(".") : dir);
    }

    void readText(String file, String text, Path dir) {
      List<JsonNode> documents = new ArrayList<>();
      try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
        while (it.hasNext()) {
          documents.add(it.next());
        }
      } catch (IOException | RuntimeException e) {
        throw new CommandFailure(file + " is not valid YAML or JSON: " + oneLine(e), e);
      }
      for (int d = 0; d < documents.size(); d++) {
        String where = documents.size() > 1 ? file + " (document " + (d + 1) + ")" : file;
        readDocument(where, documents.get(d), dir);
      }
    }

    private void readDocument(String where, @Nullable JsonNode document, Path dir) {
      if (document == null || document.isNull() || document.isMissingNode()) {
        return; // an empty document, e.g. after a trailing "---"
      }
      if (!document.isObject()) {
        throw new CommandFailure(
            where + ": a document is a map with clusters, routes, certificates and policies lists");
      }
      for (Iterator<String> it = document.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!LISTS.contains(key)) {
          throw new CommandFailure(
              where
                  + ": unknown key \""
                  + key
                  + "\"; a document holds "
                  + String.join(", ", LISTS));
        }
        if (!document.get(key).isArray() && !document.get(key).isNull()) {
          throw new CommandFailure(where + ": " + key + " must be a list");
        }
      }
      list(where, document, "clusters", Cluster.newBuilder(), dir);
      list(where, document, "routes", Route.newBuilder(), dir);
      list(where, document, "certificates", Certificate.newBuilder(), dir);
      list(where, document, "policies", Policy.newBuilder(), dir);
    }

    private void list(String where, JsonNode document, String key, Message.Builder type, Path dir) {
      JsonNode items = document.get(key);
      if (items == null || items.isNull()) {
        return;
      }
      for (int i = 0; i < items.size(); i++) {
        String path = key + "[" + i + "]";
        JsonNode item = items.get(i);
        if (!item.isObject()) {
          throw new CommandFailure(where + ": " + path + " must be a map");
        }
        ObjectNode resource = ((ObjectNode) item).deepCopy();
        if (key.equals("policies")) {
          for (String list : List.of("ip_access", "ipAccess")) {
            if (resource.get(list) instanceof ObjectNode access) {
              inlineBlocks(where, path + "." + list, access, "allow", dir);
              inlineBlocks(where, path + "." + list, access, "deny", dir);
            }
          }
        }
        if (key.equals("certificates")) {
          inlineFile(where, path, resource, "certificate_chain", dir);
          inlineFile(where, path, resource, "private_key", dir);
          inlineFile(where, path, resource, "private_key_passphrase", dir);
        }
        Message.Builder b = type.getDefaultInstanceForType().newBuilderForType();
        try {
          PARSER.merge(JSON.writeValueAsString(resource), b);
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
          throw new CommandFailure(where + ": " + path + ": " + oneLine(e), e);
        }
        int index;
        switch (key) {
          case "clusters" -> {
            index = config.getClustersCount();
            config.addClusters((Cluster) b.build());
          }
          case "routes" -> {
            index = config.getRoutesCount();
            config.addRoutes((Route) b.build());
          }
          case "policies" -> {
            index = config.getPoliciesCount();
            config.addPolicies((Policy) b.build());
          }
          default -> {
            index = config.getCertificatesCount();
            config.addCertificates((Certificate) b.build());
          }
        }
        origins.put(key + "[" + index + "]", where + ": " + path);
      }
    }

    /**
     * Appends the blocks of {@code <field>_file} (or {@code <field>File}), a file of CIDR blocks
     * beside the document ({@link CidrFiles}), to the list {@code field}.
     */
    private static void inlineBlocks(
        String where, String path, ObjectNode access, String field, Path dir) {
      for (String key : List.of(field + "_file", field + "File")) {
        JsonNode file = access.remove(key);
        if (file == null) {
          continue;
        }
        Path target = dir.resolve(file.asText());
        JsonNode given = access.get(field);
        ArrayNode blocks = given instanceof ArrayNode list ? list : access.putArray(field);
        try {
          CidrFiles.read(target).forEach(blocks::add);
        } catch (IOException e) {
          throw new CommandFailure(
              where + ": " + path + "." + key + ": cannot read " + target + ": " + reason(e), e);
        }
      }
    }

    /** Replaces {@code <field>_file} (or its camelCase form) by the file's text in field. */
    private static void inlineFile(
        String where, String path, ObjectNode resource, String field, Path dir) {
      String camel = camel(field);
      for (String key : List.of(field + "_file", camel + "File")) {
        JsonNode file = resource.remove(key);
        if (file == null) {
          continue;
        }
        if (resource.has(field) || resource.has(camel)) {
          throw new CommandFailure(
              where + ": " + path + ": give " + field + " or " + key + ", not both");
        }
        Path target = dir.resolve(file.asText());
        try {
          String text = Files.readString(target);
          // A passphrase file holds one line, as openssl's -passin file: reads it.
          resource.put(
              field, field.endsWith("_passphrase") ? text.lines().findFirst().orElse("") : text);
        } catch (IOException e) {
          throw new CommandFailure(
              where + ": " + path + "." + key + ": cannot read " + target + ": " + reason(e), e);
        }
      }
    }

    private static String camel(String snake) {
      StringBuilder out = new StringBuilder();
      boolean upper = false;
      for (int i = 0; i < snake.length(); i++) {
        char ch = snake.charAt(i);
        if (ch == '_') {
          upper = true;
        } else {
          out.append(upper ? Character.toUpperCase(ch) : ch);
          upper = false;
        }
      }
      return out.toString();
    }

    private static String reason(IOException e) {
      return e instanceof NoSuchFileException ? "no such file" : String.valueOf(e.getMessage());
    }

    private static String oneLine(Exception e) {
      String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      return String.valueOf(m).replace('\n', ' ').strip();
    }
  }
}
