package dev.concierge.api.rules;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The value templates of header mutations: literal text with {@code ${name}} references to a few
 * per-request variables, and {@code $$} for a literal {@code $}. One parser for the rules (which
 * report what it refuses) and for the node (which compiles what it returns). Stateless.
 */
public final class HeaderTemplates {
  /** The variables a template may name. */
  public enum Variable {
    /** The client's address (the peer, or the first untrusted X-Forwarded-For hop). */
    CLIENT_IP,
    /** The node's id of the request. */
    REQUEST_ID,
    /** The route's id. */
    ROUTE,
    /** The client's Host without port. */
    HOST,
    /** "http" or "https": the client connection's scheme. */
    SCHEME;

    /** The name written in a template, e.g. {@code client_ip}. */
    public String templateName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A piece of a parsed template. */
  public sealed interface Part {}

  /** Text sent as is. */
  public record Literal(String text) implements Part {
    public Literal {
      requireNonNull(text, "text");
    }
  }

  /** A variable replaced per request. */
  public record Reference(Variable variable) implements Part {
    public Reference {
      requireNonNull(variable, "variable");
    }
  }

  private HeaderTemplates() {}

  /**
   * The parts of {@code template}, adjacent literal text merged; empty for an empty template.
   *
   * @throws IllegalArgumentException why it is no template: a "$" that starts neither "$$" nor a
   *     closed "${name}", or an unknown variable name
   */
  public static List<Part> parse(String template) {
    List<Part> parts = new ArrayList<>(2);
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c != '$') {
        literal.append(c);
        i++;
        continue;
      }
      if (template.startsWith("$$", i)) {
        literal.append('$');
        i += 2;
        continue;
      }
      int close = template.startsWith("${", i) ? template.indexOf('}', i + 2) : -1;
      if (close < 0) {
        throw new IllegalArgumentException(
            "\"$\" at " + i + " starts neither \"${variable}\" nor \"$$\" (a literal \"$\")");
      }
      String name = template.substring(i + 2, close);
      Variable variable = variable(name);
      if (variable == null) {
        throw new IllegalArgumentException(
            "unknown variable \"${" + name + "}\"; known: " + knownNames());
      }
      if (literal.length() > 0) {
        parts.add(new Literal(literal.toString()));
        literal.setLength(0);
      }
      parts.add(new Reference(variable));
      i = close + 1;
    }
    if (literal.length() > 0) {
      parts.add(new Literal(literal.toString()));
    }
    return List.copyOf(parts);
  }

  private static @Nullable Variable variable(String name) {
    for (Variable v : Variable.values()) {
      if (v.templateName().equals(name)) {
        return v;
      }
    }
    return null;
  }

  private static String knownNames() {
    StringBuilder names = new StringBuilder();
    for (Variable v : Variable.values()) {
      if (names.length() > 0) {
        names.append(", ");
      }
      names.append("${").append(v.templateName()).append('}');
    }
    return names.toString();
  }
}
