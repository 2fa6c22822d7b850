package dev.concierge.cli;

import dev.concierge.api.v1.HeaderMatch;
import dev.concierge.api.v1.QueryParameterMatch;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code --header} and {@code --query} match syntax: {@code NAME} (present), {@code !NAME}
 * (absent), {@code NAME=VALUE} (equal), {@code NAME^=PREFIX} (starts with), {@code NAME~=REGEX}
 * (RE2, whole value); a leading {@code !} inverts a header test. The server checks what is given.
 */
final class RequestMatches {
  private RequestMatches() {}

  /** A header test as written after --header. */
  static HeaderMatch header(String spec) {
    HeaderMatch.Builder match = HeaderMatch.newBuilder();
    String rest = spec;
    if (rest.startsWith("!")) {
      match.setInvert(true);
      rest = rest.substring(1);
    }
    int equals = rest.indexOf('=');
    if (equals < 0) {
      return match.setName(rest).build();
    }
    char op = equals > 0 ? rest.charAt(equals - 1) : '=';
    String value = rest.substring(equals + 1);
    switch (op) {
      case '^' -> match.setName(rest.substring(0, equals - 1)).setPrefix(value);
      case '~' -> match.setName(rest.substring(0, equals - 1)).setRegex(value);
      default -> match.setName(rest.substring(0, equals)).setExact(value);
    }
    if (match.getName().isEmpty()) {
      throw new TypeConversionException(
          "'"
              + spec
              + "' names no header (expected NAME, !NAME, NAME=V, NAME^=PREFIX or NAME~=REGEX)");
    }
    return match.build();
  }

  /** A query parameter test as written after --query. */
  static QueryParameterMatch query(String spec) {
    QueryParameterMatch.Builder match = QueryParameterMatch.newBuilder();
    int equals = spec.indexOf('=');
    if (equals < 0) {
      match.setName(spec);
    } else if (equals > 0 && spec.charAt(equals - 1) == '~') {
      match.setName(spec.substring(0, equals - 1)).setRegex(spec.substring(equals + 1));
    } else {
      match.setName(spec.substring(0, equals)).setExact(spec.substring(equals + 1));
    }
    if (match.getName().isEmpty()) {
      throw new TypeConversionException(
          "'" + spec + "' names no query parameter (expected NAME, NAME=V or NAME~=REGEX)");
    }
    return match.build();
  }

  /** The form {@link #header} reads, for tables. */
  static String format(HeaderMatch match) {
    String test =
        switch (match.getValueCase()) {
          case EXACT -> "=" + match.getExact();
          case PREFIX -> "^=" + match.getPrefix();
          case REGEX -> "~=" + match.getRegex();
          default -> "";
        };
    return (match.getInvert() ? "!" : "") + match.getName() + test;
  }

  /** The form {@link #query} reads, for tables. */
  static String format(QueryParameterMatch match) {
    return switch (match.getValueCase()) {
      case EXACT -> match.getName() + "=" + match.getExact();
      case REGEX -> match.getName() + "~=" + match.getRegex();
      default -> match.getName();
    };
  }

  /** picocli converter for --header. */
  static final class HeaderConverter implements ITypeConverter<HeaderMatch> {
    @Override
    public HeaderMatch convert(String value) {
      return header(value);
    }
  }

  /** picocli converter for --query. */
  static final class QueryConverter implements ITypeConverter<QueryParameterMatch> {
    @Override
    public QueryParameterMatch convert(String value) {
      return query(value);
    }
  }
}
