package dev.concierge.api.rules;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Stickiness;
import dev.concierge.api.v1.StickyCookie;
import dev.concierge.api.v1.WeightedCluster;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a split's weights and its stickiness, for the management API and for every node
 * alike: a split keeps at least one cluster above weight 0, and stickiness needs a split of two
 * clusters or more, a cookie whose name is a token and whose path and lifetime a browser keeps, or
 * a header name.
 */
public final class StickinessRules {
  /** Longest sticky cookie name. */
  public static final int MAX_COOKIE_NAME = 64;

  /** Longest sticky cookie path. */
  public static final int MAX_COOKIE_PATH = 1024;

  /** Longest sticky cookie lifetime: 366 days. */
  public static final Duration MAX_COOKIE_TTL = Durations.fromDays(366);

  private StickinessRules() {}

  /** The weight of a cluster in a split: unset means 1, 0 drains it. */
  public static int weight(WeightedCluster cluster) {
    return cluster.hasWeight() ? cluster.getWeight() : 1;
  }

  /** Tells {@code sink} every broken weight or stickiness field of {@code forward}. */
  public static void check(ForwardAction forward, String prefix, ViolationSink sink) {
    boolean anyAboveZero = false;
    for (int i = 0; i < forward.getClustersCount(); i++) {
      WeightedCluster wc = forward.getClusters(i);
      String field = prefix + ".clusters[" + i + "].weight";
      if (Integer.compareUnsigned(wc.getWeight(), FieldChecks.MAX_WEIGHT) > 0) {
        sink.add(
            field,
            "must be at most "
                + FieldChecks.MAX_WEIGHT
                + " (unset means 1, 0 drains), not "
                + Integer.toUnsignedString(wc.getWeight()));
      }
      anyAboveZero |= weight(wc) != 0;
    }
    if (forward.getClustersCount() > 0 && !anyAboveZero) {
      sink.add(
          prefix + ".clusters",
          "every cluster has weight 0: at least one must be above 0 to take requests");
    }
    if (!forward.hasStickiness()) {
      return;
    }
    Stickiness stickiness = forward.getStickiness();
    String field = prefix + ".stickiness";
    if (forward.getClustersCount() < 2) {
      sink.add(field, "needs a split of at least two clusters: one cluster has nowhere else to go");
    }
    switch (stickiness.getKeyCase()) {
      case COOKIE -> cookie(stickiness.getCookie(), field + ".cookie", sink);
      case HEADER -> {
        String problem = RequestMatchRules.headerNameProblem(stickiness.getHeader());
        if (problem != null) {
          sink.add(field + ".header", problem);
        }
      }
      default -> sink.add(field, "set cookie or header");
    }
  }

  private static void cookie(StickyCookie cookie, String prefix, ViolationSink sink) {
    String name = cookieNameProblem(cookie.getName());
    if (name != null) {
      sink.add(prefix + ".name", name);
    }
    if (cookie.hasTtl()) {
      Duration ttl = cookie.getTtl();
      if (!Durations.isValid(ttl)
          || Durations.isNegative(ttl)
          || Durations.compare(ttl, MAX_COOKIE_TTL) > 0
          || Durations.toNanos(ttl) % 1_000_000_000L != 0) {
        sink.add(
            prefix + ".ttl",
            "must be whole seconds from 0 (a session cookie) to "
                + Durations.toString(MAX_COOKIE_TTL));
      }
    }
    String path = cookiePathProblem(cookie.getPath());
    if (path != null) {
      sink.add(prefix + ".path", path);
    }
  }

  /** Why {@code name} is no cookie name (an RFC 6265 token), or null. */
  static @Nullable String cookieNameProblem(String name) {
    if (name.isEmpty()) {
      return "must not be empty";
    }
    if (name.length() > MAX_COOKIE_NAME) {
      return "must be at most " + MAX_COOKIE_NAME + " characters";
    }
    for (int i = 0; i < name.length(); i++) {
      if (!HttpMethods.isTokenChar(name.charAt(i))) {
        return "\""
            + HttpMethods.printable(name)
            + "\" is not a cookie name (letters, digits and !#$%&'*+-.^_`|~ only)";
      }
    }
    return null;
  }

  /** Why {@code path} is no cookie path attribute, or null; empty means "/". */
  static @Nullable String cookiePathProblem(String path) {
    if (path.isEmpty()) {
      return null;
    }
    if (path.charAt(0) != '/') {
      return "must start with \"/\"";
    }
    if (path.length() > MAX_COOKIE_PATH) {
      return "must be at most " + MAX_COOKIE_PATH + " characters";
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= ' ' || c == ';' || c >= 0x7f) {
        return "must be printable ASCII without spaces or \";\"";
      }
    }
    return null;
  }
}
