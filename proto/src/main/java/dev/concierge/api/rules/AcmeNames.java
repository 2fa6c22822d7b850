package dev.concierge.api.rules;

import org.jspecify.annotations.Nullable;

/** The names an ACME-managed certificate may cover: DNS names an HTTP-01 challenge can prove. */
public final class AcmeNames {
  /** Most names one ACME order carries (Let's Encrypt's limit). */
  public static final int MAX_NAMES = 100;

  private AcmeNames() {}

  /** What makes {@code name} unusable for an HTTP-01 order, or {@code null}. */
  public static @Nullable String problem(String name) {
    if (name.isEmpty()) {
      return "must not be empty";
    }
    if (name.startsWith("*.")) {
      return "is a wildcard, which HTTP-01 cannot validate (only DNS-01 can)";
    }
    if (!name.equals(name.toLowerCase(java.util.Locale.ROOT))) {
      return "must be lower case";
    }
    String problem = DnsNames.problem(name, false);
    if (problem != null) {
      return problem;
    }
    return name.indexOf('.') < 0 ? "must have at least two labels (\"host.example.com\")" : null;
  }
}
