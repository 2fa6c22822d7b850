package dev.concierge.api.rules;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Resource ids and names: a name is its collection's prefix and an id ({@code clusters/web}); an id
 * is 1-63 of {@code [a-z0-9-]}, starting with a letter, so that it is also a DNS label and a metric
 * label without escaping.
 */
public final class ResourceIds {
  /** The prefix of cluster names. */
  public static final String CLUSTERS = "clusters/";

  /** The prefix of route names. */
  public static final String ROUTES = "routes/";

  /** The prefix of certificate names. */
  public static final String CERTIFICATES = "certificates/";

  /** The prefix of policy names. */
  public static final String POLICIES = "policies/";

  /** The prefix of consumer names. */
  public static final String CONSUMERS = "consumers/";

  /** The rule, as the end of a sentence naming the id. */
  public static final String RULE = "must be 1-63 of [a-z0-9-], starting with a letter";

  private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,62}");

  private ResourceIds() {}

  /** Whether {@code id} is a valid id. */
  public static boolean isId(String id) {
    return ID.matcher(id).matches();
  }

  /** Whether {@code name} is {@code prefix} followed by a valid id. */
  public static boolean isName(String prefix, String name) {
    return name.startsWith(prefix) && isId(name.substring(prefix.length()));
  }

  /** What is wrong with {@code name} as a name under {@code prefix}, or {@code null}. */
  public static @Nullable String nameProblem(String prefix, String name) {
    if (name.isEmpty()) {
      return "a name (\"" + prefix + "{id}\") is required";
    }
    return isName(prefix, name)
        ? null
        : "\"" + name + "\" must be \"" + prefix + "{id}\" where the id " + RULE;
  }
}
