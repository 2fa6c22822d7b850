package dev.concierge.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Prints resources in the chosen {@link OutputFormat}. JSON is protobuf's canonical JSON mapping
 * (so it round-trips), YAML is that JSON re-encoded, and tables are built by the caller.
 */
final class ResourcePrinter {

  private static final JsonFormat.Printer JSON = JsonFormat.printer();
  private static final ObjectMapper JSON_TREE = new ObjectMapper();
  private static final YAMLMapper YAML =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          // JSON strings such as etags and int64 values stay strings: "7", not 7.
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .build();

  private final OutputFormat format;
  private final PrintWriter out;

  ResourcePrinter(OutputFormat format, PrintWriter out) {
    this.format = format;
    this.out = out;
  }

  OutputFormat format() {
    return format;
  }

  /** A list: a table, a JSON array or a YAML sequence. */
  void list(List<? extends MessageOrBuilder> items, Consumer<PrintWriter> table) {
    switch (format) {
      case TABLE -> table.accept(out);
      case JSON ->
          out.println(
              items.isEmpty()
                  ? "[]"
                  : items.stream()
                      .map(m -> json(m).indent(2).stripTrailing())
                      .collect(Collectors.joining(",\n", "[\n", "\n]")));
      case YAML ->
          out.print(
              yaml(
                  "["
                      + items.stream().map(ResourcePrinter::json).collect(Collectors.joining(","))
                      + "]"));
    }
  }

  /** One resource: the table view, or the resource as JSON or YAML. */
  void one(MessageOrBuilder message, Consumer<PrintWriter> table) {
    switch (format) {
      case TABLE -> table.accept(out);
      case JSON -> out.println(json(message));
      case YAML -> out.print(yaml(json(message)));
    }
  }

  /** A created or updated resource: one confirmation line, or the resource as JSON or YAML. */
  void changed(MessageOrBuilder message, String confirmation) {
    one(message, o -> o.println(confirmation));
  }

  /** A deletion: one confirmation line, or {@code {"name": ..., "deleted": true}}. */
  void deleted(String name, String confirmation) {
    String json =
        "{\n  \"name\": " + JSON_TREE.getNodeFactory().textNode(name) + ",\n  \"deleted\": true\n}";
    switch (format) {
      case TABLE -> out.println(confirmation);
      case JSON -> out.println(json);
      case YAML -> out.print(yaml(json));
    }
  }

  static String json(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields with unknown types fail, and our resources have none.
      throw new IllegalStateException("cannot print " + message.getClass().getSimpleName(), e);
    }
  }

  private static String yaml(String json) {
    try {
      JsonNode tree = JSON_TREE.readTree(json);
      return YAML.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
