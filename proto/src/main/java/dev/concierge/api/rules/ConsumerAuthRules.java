package dev.concierge.api.rules;

import dev.concierge.api.v1.BasicAuth;
import dev.concierge.api.v1.KeyAuth;
import dev.concierge.api.v1.Policy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of the policies that authenticate a consumer at the edge: {@code key_auth} (key names
 * are header names and, with key_in_query, query parameter names; at most {@value #MAX_KEY_NAMES})
 * and {@code basic_auth}; for both a printable realm without quotes and at most {@value
 * #MAX_ALLOWED} allowed consumers, each named once as {@code consumers/{id}}.
 */
public final class ConsumerAuthRules {
  /** Most key names of one key_auth policy. */
  public static final int MAX_KEY_NAMES = 8;

  /** Most consumers one policy allows by name. */
  public static final int MAX_ALLOWED = 1000;

  /** Longest realm. */
  public static final int MAX_REALM = 64;

  /** Where a key is read from when a policy names no key names (Kong's apikey, and the usual). */
  public static final List<String> DEFAULT_KEY_NAMES = List.of("apikey", "X-Api-Key");

  /** The realm of WWW-Authenticate when a policy names none. */
  public static final String DEFAULT_REALM = "concierge";

  private ConsumerAuthRules() {}

  /** Tells {@code sink} every broken field of {@code keyAuth}, under {@code prefix}. */
  public static void check(KeyAuth keyAuth, String prefix, ViolationSink sink) {
    List<String> names = keyAuth.getKeyNamesList();
    if (names.size() > MAX_KEY_NAMES) {
      sink.add(prefix + ".key_names", "at most " + MAX_KEY_NAMES + " names, not " + names.size());
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      String field = prefix + ".key_names[" + i + "]";
      String problem = RequestMatchRules.headerNameProblem(names.get(i));
      if (problem != null) {
        sink.add(field, problem);
        continue;
      }
      Integer first = seen.putIfAbsent(names.get(i).toLowerCase(java.util.Locale.ROOT), i);
      if (first != null) {
        sink.add(field, "duplicates key_names[" + first + "] (header names ignore case)");
      }
    }
    realm(keyAuth.getRealm(), prefix + ".realm", sink);
    allowed(keyAuth.getAllowedConsumersList(), prefix + ".allowed_consumers", sink);
  }

  /** Tells {@code sink} every broken field of {@code basicAuth}, under {@code prefix}. */
  public static void check(BasicAuth basicAuth, String prefix, ViolationSink sink) {
    realm(basicAuth.getRealm(), prefix + ".realm", sink);
    allowed(basicAuth.getAllowedConsumersList(), prefix + ".allowed_consumers", sink);
  }

  /** The consumers {@code policy} allows by name; empty for other kinds and for "any consumer". */
  public static List<String> allowedConsumers(Policy policy) {
    return switch (policy.getKindCase()) {
      case KEY_AUTH -> policy.getKeyAuth().getAllowedConsumersList();
      case BASIC_AUTH -> policy.getBasicAuth().getAllowedConsumersList();
      default -> List.of();
    };
  }

  /** Whether key_auth strips the credential before the request goes upstream (unset: yes). */
  public static boolean hidesCredentials(KeyAuth keyAuth) {
    return !keyAuth.hasHideCredentials() || keyAuth.getHideCredentials();
  }

  /** Whether basic_auth strips Authorization before the request goes upstream (unset: yes). */
  public static boolean hidesCredentials(BasicAuth basicAuth) {
    return !basicAuth.hasHideCredentials() || basicAuth.getHideCredentials();
  }

  /** The key names of {@code keyAuth}, or {@link #DEFAULT_KEY_NAMES}. */
  public static List<String> keyNames(KeyAuth keyAuth) {
    return keyAuth.getKeyNamesCount() == 0 ? DEFAULT_KEY_NAMES : keyAuth.getKeyNamesList();
  }

  /** {@code realm}, or {@link #DEFAULT_REALM} when empty. */
  public static String realm(String realm) {
    return realm.isEmpty() ? DEFAULT_REALM : realm;
  }

  private static void realm(String realm, String field, ViolationSink sink) {
    if (realm.length() > MAX_REALM) {
      sink.add(field, "must be at most " + MAX_REALM + " characters");
      return;
    }
    for (int i = 0; i < realm.length(); i++) {
      char c = realm.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        sink.add(field, "printable ASCII without '\"' or '\\' only");
        return;
      }
    }
  }

  private static void allowed(List<String> consumers, String field, ViolationSink sink) {
    if (consumers.size() > MAX_ALLOWED) {
      sink.add(field, "at most " + MAX_ALLOWED + " consumers, not " + consumers.size());
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < consumers.size(); i++) {
      String name = consumers.get(i);
      String problem = ResourceIds.nameProblem(ResourceIds.CONSUMERS, name);
      if (problem != null) {
        sink.add(field + "[" + i + "]", problem);
        continue;
      }
      Integer first = seen.putIfAbsent(name, i);
      if (first != null) {
        sink.add(field + "[" + i + "]", "duplicates allowed_consumers[" + first + "]");
      }
    }
  }
}
