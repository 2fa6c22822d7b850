package dev.concierge.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Byte sizes as nginx takes them: {@code 512}, {@code 16k}, {@code 1m}, {@code 1g} (binary). */
final class Sizes {

  private static final String UNITS = "kmg";

  private Sizes() {}

  /** Parses a size; throws IllegalArgumentException on anything else. */
  static long parse(String text) {
    String v = text.strip().toLowerCase(Locale.ROOT);
    int unit = v.isEmpty() ? -1 : UNITS.indexOf(v.charAt(v.length() - 1));
    if (unit >= 0) {
      v = v.substring(0, v.length() - 1);
    }
    if (!v.matches("\\d{1,12}")) {
      throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 512, 16k, 1m)");
    }
    try {
      return Math.multiplyExact(Long.parseLong(v), 1L << (10 * (unit + 1)));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too large a size", e);
    }
  }

  /** Formats in the largest unit that is exact: {@code 50m}, {@code 16k}, {@code 1500}. */
  static String format(long bytes) {
    int unit = -1;
    while (unit < UNITS.length() - 1 && bytes != 0 && (bytes & 1023) == 0) {
      bytes >>>= 10;
      unit++;
    }
    return Long.toUnsignedString(bytes) + (unit < 0 ? "" : String.valueOf(UNITS.charAt(unit)));
  }

  /** picocli converter for size options. */
  static final class Converter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
