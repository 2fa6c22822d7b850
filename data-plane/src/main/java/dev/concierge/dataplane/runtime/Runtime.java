package dev.concierge.dataplane.runtime;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.dataplane.acme.AcmeChallenges;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.routing.RouteTable;
import dev.concierge.dataplane.tls.CertificateIndex;
import java.util.Map;

/**
 * Everything request handling needs at one revision, compiled once and never changed.
 *
 * @param revision the snapshot revision
 * @param routes the route index
 * @param clusters compiled clusters by resource name
 * @param snapshot the snapshot it was compiled from, for the admin {@code /config} page
 * @param certificates the certificates the HTTPS port serves, by SNI name
 * @param acmeChallenges the HTTP-01 answers of the control plane's pending ACME orders
 */
// STYLE.md wants this renamed (it shadows java.lang.Runtime); the rename touches most of the data
// plane, so it waits until the branches now in flight have merged.
@SuppressWarnings("JavaLangClash")
public record Runtime(
    long revision,
    RouteTable routes,
    Map<String, CompiledCluster> clusters,
    ConfigSnapshot snapshot,
    CertificateIndex certificates,
    AcmeChallenges acmeChallenges) {
  public Runtime {
    requireNonNull(routes, "routes");
    clusters = Map.copyOf(clusters);
    requireNonNull(snapshot, "snapshot");
    requireNonNull(certificates, "certificates");
    requireNonNull(acmeChallenges, "acmeChallenges");
  }

  /** The endpoint addresses of each cluster, by cluster name: what node-lifetime state to keep. */
  public Map<String, java.util.Set<String>> endpointAddresses() {
    Map<String, java.util.Set<String>> addresses = new java.util.HashMap<>();
    clusters.forEach(
        (name, cluster) -> {
          java.util.Set<String> set = new java.util.HashSet<>();
          cluster.endpoints().forEach(e -> set.add(e.address()));
          addresses.put(name, set);
        });
    return addresses;
  }

  /** The names of the runtime's routes. */
  public java.util.Set<String> routeNames() {
    java.util.Set<String> names = new java.util.HashSet<>();
    snapshot.getRoutesList().forEach(r -> names.add(r.getName()));
    return names;
  }
}
