package dev.concierge.cli;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option values that pick a proto enum value by its name in lower case, with dashes for
 * underscores: {@code --prefix-mode string} is {@code STRING}; any case is accepted.
 */
final class EnumChoices {

  private EnumChoices() {}

  /** The choice named {@code value}, or a conversion error naming {@code what} and the choices. */
  static <E extends Enum<E>> E parse(String value, String what, List<E> choices) {
    String v = value.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    for (E choice : choices) {
      if (name(choice).equals(v)) {
        return choice;
      }
    }
    throw new TypeConversionException(
        "'"
            + value
            + "' is not "
            + what
            + " (expected "
            + choices.stream().map(EnumChoices::name).collect(Collectors.joining(" or "))
            + ")");
  }

  /** How a value is typed and printed: {@code ROUND_ROBIN} is {@code round-robin}. */
  static String name(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** A picocli converter for one enum option: a subclass names the choices. */
  abstract static class Converter<E extends Enum<E>> implements ITypeConverter<E> {
    private final String what;
    private final List<E> choices;

    Converter(String what, List<E> choices) {
      this.what = what;
      this.choices = List.copyOf(choices);
    }

    @Override
    public E convert(String value) {
      return parse(value, what, choices);
    }
  }
}
