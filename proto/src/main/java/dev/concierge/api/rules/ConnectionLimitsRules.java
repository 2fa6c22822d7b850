package dev.concierge.api.rules;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.ConnectionLimits;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.HashSet;
import java.util.Set;

/**
 * The rules of a connection-limits policy: at least one limit, each within its range, and the
 * policy a fleet default (it limits listeners, which no route owns). Over a whole configuration: at
 * most one such policy, and no route naming it.
 */
public final class ConnectionLimitsRules {
  /** Most connections a limit may name, per address or per node. */
  public static final int MAX_CONNECTIONS = 1_000_000;

  /** Most header fields a request may be allowed. */
  public static final int MAX_HEADER_COUNT = 10_000;

  /** Fewest and most bytes of a request head a node may be told to accept. */
  public static final int MIN_HEADER_BYTES = 1_024;

  public static final int MAX_HEADER_BYTES = 1_048_576;

  /** The node's request head limit when the policy sets none (Jetty's default). */
  public static final int DEFAULT_HEADER_BYTES = 8_192;

  /** Shortest request target a limit may allow. */
  public static final int MIN_URI_LENGTH = 16;

  private ConnectionLimitsRules() {}

  /** Tells {@code sink} every broken field of {@code policy}'s limits, under {@code prefix}. */
  public static void check(Policy policy, String prefix, ViolationSink sink) {
    String field = prefix + ".connection_limits";
    if (!policy.getFleetDefault()) {
      sink.add(
          prefix + ".fleet_default",
          "connection limits apply to the nodes' listeners, not to a route: set fleet_default");
    }
    ConnectionLimits limits = policy.getConnectionLimits();
    if (limits.equals(ConnectionLimits.getDefaultInstance())) {
      sink.add(field, "set at least one limit");
      return;
    }
    int perAddress = limits.getMaxConnectionsPerAddress();
    int total = limits.getMaxConnections();
    range(perAddress, 1, MAX_CONNECTIONS, field + ".max_connections_per_address", sink);
    range(total, 1, MAX_CONNECTIONS, field + ".max_connections", sink);
    if (perAddress != 0 && total != 0 && Integer.compareUnsigned(perAddress, total) > 0) {
      sink.add(
          field + ".max_connections_per_address",
          "must not exceed max_connections ("
              + Integer.toUnsignedString(total)
              + "), not "
              + Integer.toUnsignedString(perAddress));
    }
    range(
        limits.getMaxRequestsPerConnection(),
        1,
        Integer.MAX_VALUE,
        field + ".max_requests_per_connection",
        sink);
    range(limits.getMaxHeaderCount(), 1, MAX_HEADER_COUNT, field + ".max_header_count", sink);
    int headerBytes = limits.getMaxHeaderBytes();
    range(headerBytes, MIN_HEADER_BYTES, MAX_HEADER_BYTES, field + ".max_header_bytes", sink);
    int head = headerBytes == 0 ? DEFAULT_HEADER_BYTES : headerBytes;
    int uri = limits.getMaxUriLength();
    if (uri != 0
        && (Integer.compareUnsigned(uri, MIN_URI_LENGTH) < 0
            || Integer.compareUnsigned(uri, head) > 0)) {
      sink.add(
          field + ".max_uri_length",
          "must be "
              + MIN_URI_LENGTH
              + "-"
              + head
              + " (the request line counts towards max_header_bytes"
              + (headerBytes == 0 ? ", " + DEFAULT_HEADER_BYTES + " by default" : "")
              + "), not "
              + Integer.toUnsignedString(uri));
    }
  }

  /** Tells {@code sink} of a second connection-limits policy, and of every route that names one. */
  public static void checkSnapshot(ConfigSnapshot snapshot, ViolationSink sink) {
    Set<String> names = new HashSet<>();
    String first = null;
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() != Policy.KindCase.CONNECTION_LIMITS) {
        continue;
      }
      names.add(policy.getName());
      if (first != null) {
        sink.add(
            policy.getName() + ".connection_limits",
            "at most one connection-limits policy; " + first + " already is one");
      } else {
        first = policy.getName();
      }
    }
    if (names.isEmpty()) {
      return;
    }
    for (Route route : snapshot.getRoutesList()) {
      for (int i = 0; i < route.getPoliciesCount(); i++) {
        if (names.contains(route.getPolicies(i))) {
          sink.add(
              route.getName() + ".policies[" + i + "]",
              route.getPolicies(i)
                  + " limits connections, which every route shares: it applies as the fleet"
                  + " default and no route names it");
        }
      }
    }
  }

  /** Unsigned {@code value} is 0 (no limit) or within {@code min}-{@code max}. */
  private static void range(int value, int min, int max, String field, ViolationSink sink) {
    if (value != 0
        && (Integer.compareUnsigned(value, min) < 0 || Integer.compareUnsigned(value, max) > 0)) {
      sink.add(
          field,
          "must be "
              + String.format(java.util.Locale.ROOT, "%,d-%,d", min, max)
              + " (or 0: no limit), not "
              + Integer.toUnsignedString(value));
    }
  }
}
