package dev.concierge.dataplane.runtime;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.dataplane.routing.RouteTable;
import dev.concierge.dataplane.upstream.CompiledCluster;
import java.util.Map;

/**
 * Everything request handling needs at one revision, compiled once and never changed.
 *
 * @param revision the snapshot revision
 * @param routes the route index
 * @param clusters compiled clusters by resource name
 * @param snapshot the snapshot it was compiled from, for the admin {@code /config} page
 */
public record Runtime(
    long revision, RouteTable routes, Map<String, CompiledCluster> clusters, ConfigSnapshot snapshot) {
  public Runtime {
    requireNonNull(routes, "routes");
    clusters = Map.copyOf(clusters);
    requireNonNull(snapshot, "snapshot");
  }
}
