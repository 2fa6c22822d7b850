package dev.concierge.controlplane.management;

import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds routes that another route hides entirely, by the nodes' ordering (host tier, path kind and
 * length, methods, then priority and name): such a route is valid but can never match, which is
 * almost always a mistake worth a warning. Only certain shadowing is reported; partial overlap is
 * normal. Routes with client tests (source, device, country, time) are never reported: whether one
 * takes another's requests depends on who asks and when.
 */
public final class RouteShadowing {
  private RouteShadowing() {}

  /**
   * One warning for each route of {@code stored} that {@code written} hides, and for each that
   * hides {@code written}; {@code stored} may contain {@code written}'s previous version.
   */
  public static List<String> warnings(Route written, List<Route> stored) {
    List<String> warnings = new ArrayList<>();
    for (Route other : stored) {
      if (other.getName().equals(written.getName())) {
        continue;
      }
      if (hides(written, other)) {
        warnings.add(
            other.getName()
                + " can no longer match: "
                + written.getName()
                + " takes every request it would (same hosts, path and methods, and "
                + order(written, other)
                + ")");
      } else if (hides(other, written)) {
        warnings.add(
            written.getName()
                + " can never match: "
                + other.getName()
                + " takes every request it would (same hosts, path and methods, and "
                + order(other, written)
                + ")");
      }
    }
    return warnings;
  }

  /** Whether {@code first} takes every request {@code second} would, on every node. */
  static boolean hides(Route first, Route second) {
    boolean sortsFirst =
        first.getPriority() != second.getPriority()
            ? first.getPriority() > second.getPriority()
            : first.getName().compareTo(second.getName()) < 0;
    if (!sortsFirst) {
      return false;
    }
    RouteMatch a = first.getMatch();
    RouteMatch b = second.getMatch();
    if (hasClientTests(a) || hasClientTests(b)) {
      return false;
    }
    Set<String> firstHosts = lower(a.getHostsList());
    Set<String> secondHosts = lower(b.getHostsList());
    boolean sameHostTiers =
        secondHosts.isEmpty() ? firstHosts.isEmpty() : firstHosts.containsAll(secondHosts);
    if (!sameHostTiers || a.getPathCase() != b.getPathCase()) {
      return false;
    }
    boolean samePath =
        switch (a.getPathCase()) {
          case PATH_EXACT -> a.getPathExact().equals(b.getPathExact());
          case PATH_PREFIX ->
              a.getPathPrefix().equals(b.getPathPrefix()) && a.getPrefixMode() == b.getPrefixMode();
          case PATH_REGEX -> a.getPathRegex().equals(b.getPathRegex());
          default -> true;
        };
    if (!samePath
        || !new HashSet<>(a.getHeadersList()).equals(new HashSet<>(b.getHeadersList()))
        || !new HashSet<>(a.getQueryParametersList())
            .equals(new HashSet<>(b.getQueryParametersList()))) {
      // Header and query matches order routes by their count; only the same ones tie on name.
      return false;
    }
    // A route with methods sorts before one without, so only equal predicate counts tie on name.
    return a.getMethodsCount() == 0
        ? b.getMethodsCount() == 0
        : b.getMethodsCount() > 0 && a.getMethodsList().containsAll(b.getMethodsList());
  }

  /** Why {@code first} sorts before {@code second}. */
  private static String order(Route first, Route second) {
    return first.getPriority() != second.getPriority()
        ? "its priority is higher"
        : "its name sorts first";
  }

  private static boolean hasClientTests(RouteMatch m) {
    return m.getSourceCidrsCount() > 0
        || m.getDevicesCount() > 0
        || m.getCountriesCount() > 0
        || m.getTimeWindowsCount() > 0;
  }

  private static Set<String> lower(List<String> hosts) {
    Set<String> result = new HashSet<>();
    hosts.forEach(h -> result.add(h.toLowerCase(Locale.ROOT)));
    return result;
  }
}
