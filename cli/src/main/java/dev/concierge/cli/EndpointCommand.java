package dev.concierge.cli;

import com.google.common.net.HostAndPort;
import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code concierge endpoint drain|undrain CLUSTER HOST:PORT}: takes one endpoint of a cluster out
 * of rotation on every node, or puts it back, without removing it from the cluster. Each is a
 * read-modify-write of the cluster against the etag read, tried again when another change got in
 * between.
 */
@Command(
    name = "endpoint",
    description = "Take a cluster's endpoint out of rotation on every node, or put it back.")
final class EndpointCommand extends ResourceCommand implements Callable<Integer> {

  /** Read-modify-write rounds before a stream of concurrent changes wins. */
  static final int MAX_TRIES = 5;

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(
      name = "drain",
      description =
          "Stop sending new requests to an endpoint; the requests it has finish. It stays in the"
              + " cluster (shown as draining) until undrained or removed.")
  int drain(
      @Parameters(index = "0", paramLabel = "CLUSTER", description = "Cluster id or full name.")
          String typedCluster,
      @Parameters(index = "1", paramLabel = "HOST:PORT", description = "The endpoint.")
          String address) {
    return setDraining("drain", typedCluster, address, true);
  }

  @Command(name = "undrain", description = "Put a draining endpoint back into rotation.")
  int undrain(
      @Parameters(index = "0", paramLabel = "CLUSTER", description = "Cluster id or full name.")
          String typedCluster,
      @Parameters(index = "1", paramLabel = "HOST:PORT", description = "The endpoint.")
          String address) {
    return setDraining("undrain", typedCluster, address, false);
  }

  private int setDraining(String sub, String typedCluster, String address, boolean draining) {
    String name = name(Names.CLUSTER, sub, typedCluster);
    HostAndPort target;
    try {
      target = Endpoints.hostPort(address);
    } catch (IllegalArgumentException e) {
      throw usage(sub, "Invalid value for positional parameter HOST:PORT: " + e.getMessage());
    }
    String shown = target.toString();
    boolean[] changed = new boolean[1];
    Cluster result =
        withClient(
            c -> {
              for (int attempt = 1; ; attempt++) {
                Cluster current = c.call(s -> ClusterCommand.RPCS.get().apply(s, name));
                int index = indexOf(current.getEndpointsList(), target);
                if (index < 0) {
                  throw new CommandFailure(
                      "cluster \""
                          + id(name)
                          + "\" has no endpoint "
                          + shown
                          + " (it has "
                          + ClusterCommand.endpoints(current.getEndpointsList())
                          + ")");
                }
                if (current.getEndpoints(index).getDraining() == draining) {
                  return current;
                }
                Cluster.Builder next =
                    Cluster.newBuilder().setName(name).setEtag(current.getEtag());
                next.addAllEndpoints(current.getEndpointsList());
                next.getEndpointsBuilder(index).setDraining(draining);
                FieldMask mask = FieldMask.newBuilder().addPaths("endpoints").build();
                try {
                  Cluster updated =
                      c.call(s -> ClusterCommand.RPCS.update().call(s, next.build(), mask, false));
                  changed[0] = true;
                  return updated;
                } catch (CommandFailure e) {
                  if (attempt >= MAX_TRIES || !staleEtag(e)) {
                    throw e;
                  }
                }
              }
            });
    String state = draining ? "draining" : "in rotation";
    String confirmation =
        "endpoint "
            + shown
            + " of cluster \""
            + id(name)
            + "\" "
            + (changed[0]
                ? "is now " + state + etagSuffix(result.getEtag())
                : "was already " + state);
    printer().changed(result, confirmation);
    return 0;
  }

  /** The index of the endpoint at {@code target} (host case-insensitive), or -1. */
  static int indexOf(List<Endpoint> endpoints, HostAndPort target) {
    for (int i = 0; i < endpoints.size(); i++) {
      Endpoint e = endpoints.get(i);
      String host = e.getHost();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (e.getPort() == target.getPort()
          && host.toLowerCase(Locale.ROOT).equals(target.getHost().toLowerCase(Locale.ROOT))) {
        return i;
      }
    }
    return -1;
  }

  /** Whether the update lost a race: the cluster changed after it was read. */
  private static boolean staleEtag(CommandFailure e) {
    return e.getCause() instanceof StatusRuntimeException s
        && s.getStatus().getCode() == Status.Code.ABORTED;
  }
}
