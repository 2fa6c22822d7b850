package dev.concierge.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** How management commands print resources: aligned table, JSON or YAML. */
enum OutputFormat {
  TABLE,
  JSON,
  YAML;

  /** Parses {@code table|json|yaml}, ignoring case. */
  static final class Converter implements ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      try {
        return OutputFormat.valueOf(value.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "'" + value + "' is not an output format (expected table, json or yaml)");
      }
    }
  }
}
