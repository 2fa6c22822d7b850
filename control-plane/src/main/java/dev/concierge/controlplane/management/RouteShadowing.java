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
 * length, methods, then name): such a route is valid but can never match, which is almost always a
 * mistake worth a warning. Only certain shadowing is reported; partial overlap is normal.
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
                + " takes every request it would (same hosts, path and methods, and its name sorts"
                + " first)");
      } else if (hides(other, written)) {
        warnings.add(
            written.getName()
                + " can never match: "
                + other.getName()
                + " takes every request it would (same hosts, path and methods, and its name sorts"
                + " first)");
      }
    }
    return warnings;
  }

  /** Whether {@code first} takes every request {@code second} would, on every node. */
  static boolean hides(Route first, Route second) {
    if (first.getName().compareTo(second.getName()) >= 0) {
      return false;
    }
    RouteMatch a = first.getMatch();
    RouteMatch b = second.getMatch();
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

  private static Set<String> lower(List<String> hosts) {
    Set<String> result = new HashSet<>();
    hosts.forEach(h -> result.add(h.toLowerCase(Locale.ROOT)));
    return result;
  }
}
