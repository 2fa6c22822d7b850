package dev.concierge.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.DeleteClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.GetClusterRequest;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ListClustersResponse;
import dev.concierge.api.v1.UpdateClusterRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code concierge cluster create|list|get|update|delete}: backend endpoint groups. */
@Command(name = "cluster", description = "Manage clusters (groups of backend endpoints).")
final class ClusterCommand extends ResourceCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(name = "create", description = "Create a cluster.")
  int create(
      @Parameters(paramLabel = "NAME", description = "Cluster id, e.g. web or clusters/web.")
          String typedName,
      @Option(
              names = "--endpoint",
              required = true,
              paramLabel = "HOST:PORT[=WEIGHT]",
              converter = Endpoints.EndpointConverter.class,
              description = "A backend; repeat for more. Weight 1-1000 (default 1).")
          List<Endpoint> endpoints,
      @Option(
              names = "--lb",
              paramLabel = "POLICY",
              converter = LbConverter.class,
              description = "Load-balancing policy: round-robin (default).")
          Cluster.LbPolicy lb,
      @Option(
              names = "--connect-timeout",
              paramLabel = "DURATION",
              converter = Durations.Converter.class,
              description = "Time allowed to connect to an endpoint, e.g. 500ms, 5s (default 5s).")
          Duration connectTimeout,
      @Option(
              names = "--description",
              paramLabel = "TEXT",
              description = "Free text for people (at most 256 characters).")
          String description) {
    String name = name(Names.CLUSTER, "create", typedName);
    Cluster.Builder cluster = Cluster.newBuilder().setName(name).addAllEndpoints(endpoints);
    if (lb != null) {
      cluster.setLbPolicy(lb);
    }
    if (connectTimeout != null) {
      cluster.setConnectTimeout(connectTimeout);
    }
    if (description != null) {
      cluster.setDescription(description);
    }
    Cluster created =
        withClient(
            c ->
                c.call(
                    s ->
                        s.createCluster(
                            CreateClusterRequest.newBuilder()
                                .setClusterId(id(name))
                                .setCluster(cluster)
                                .build())));
    printer()
        .changed(created, "cluster \"" + id(name) + "\" created" + etagSuffix(created.getEtag()));
    return 0;
  }

  @Command(name = "list", description = "List clusters.")
  int list() {
    List<Cluster> all = withClient(c -> allPages(
        token -> c.call(s -> s.listClusters(ListClustersRequest.newBuilder().setPageToken(token).build())),
        ListClustersResponse::getClustersList,
        ListClustersResponse::getNextPageToken));
    printer().list(all, table(all));
    return 0;
  }

  @Command(name = "get", description = "Show one cluster.")
  int get(
      @Parameters(paramLabel = "NAME", description = "Cluster id or full name.") String typedName) {
    String name = name(Names.CLUSTER, "get", typedName);
    Cluster cluster =
        withClient(
            c -> c.call(s -> s.getCluster(GetClusterRequest.newBuilder().setName(name).build())));
    printer().one(cluster, table(List.of(cluster)));
    return 0;
  }

  @Command(name = "update", description = "Change a cluster; only the fields given are replaced.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Cluster id or full name.") String typedName,
      @Option(
              names = "--endpoint",
              paramLabel = "HOST:PORT[=WEIGHT]",
              converter = Endpoints.EndpointConverter.class,
              description = "Replaces all endpoints; repeat for more.")
          List<Endpoint> endpoints,
      @Option(
              names = "--lb",
              paramLabel = "POLICY",
              converter = LbConverter.class,
              description = "Load-balancing policy: round-robin.")
          Cluster.LbPolicy lb,
      @Option(
              names = "--connect-timeout",
              paramLabel = "DURATION",
              converter = Durations.Converter.class,
              description = "Time allowed to connect to an endpoint, e.g. 500ms, 5s.")
          Duration connectTimeout,
      @Option(
              names = "--description",
              paramLabel = "TEXT",
              description = "Free text for people (at most 256 characters).")
          String description) {
    String name = name(Names.CLUSTER, "update", typedName);
    Cluster.Builder cluster = Cluster.newBuilder().setName(name);
    FieldMask.Builder mask = FieldMask.newBuilder();
    if (endpoints != null && !endpoints.isEmpty()) {
      cluster.addAllEndpoints(endpoints);
      mask.addPaths("endpoints");
    }
    if (lb != null) {
      cluster.setLbPolicy(lb);
      mask.addPaths("lb_policy");
    }
    if (connectTimeout != null) {
      cluster.setConnectTimeout(connectTimeout);
      mask.addPaths("connect_timeout");
    }
    if (description != null) {
      cluster.setDescription(description);
      mask.addPaths("description");
    }
    if (mask.getPathsCount() == 0) {
      throw usage(
          "update", "nothing to update: give --endpoint, --lb, --connect-timeout or --description");
    }
    Cluster updated =
        withClient(
            c -> {
              // The read pins the version we change: a concurrent update makes ours fail with
              // ABORTED.
              Cluster current =
                  c.call(s -> s.getCluster(GetClusterRequest.newBuilder().setName(name).build()));
              cluster.setEtag(current.getEtag());
              return c.call(
                  s ->
                      s.updateCluster(
                          UpdateClusterRequest.newBuilder()
                              .setCluster(cluster)
                              .setUpdateMask(mask)
                              .build()));
            });
    printer()
        .changed(updated, "cluster \"" + id(name) + "\" updated" + etagSuffix(updated.getEtag()));
    return 0;
  }

  @Command(name = "delete", description = "Delete a cluster that no route uses.")
  int delete(
      @Parameters(paramLabel = "NAME", description = "Cluster id or full name.") String typedName) {
    String name = name(Names.CLUSTER, "delete", typedName);
    withClient(
        c -> c.call(s -> s.deleteCluster(DeleteClusterRequest.newBuilder().setName(name).build())));
    printer().deleted(name, "cluster \"" + id(name) + "\" deleted");
    return 0;
  }

  static Consumer<PrintWriter> table(List<Cluster> clusters) {
    return out -> {
      Table t = Table.of("NAME", "ENDPOINTS", "LB", "ETAG", "UPDATED");
      for (Cluster c : clusters) {
        t.row(
            id(c.getName()),
            endpoints(c.getEndpointsList()),
            lb(c.getLbPolicy()),
            c.getEtag(),
            time(c.getUpdateTime()));
      }
      t.print(out);
    };
  }

  static String endpoints(List<Endpoint> endpoints) {
    return endpoints.stream()
        .map(
            e ->
                new Endpoints.HostPort(e.getHost(), e.getPort())
                    + (e.getWeight() > 1 ? "=" + e.getWeight() : ""))
        .collect(Collectors.joining(","));
  }

  static String lb(Cluster.LbPolicy policy) {
    return switch (policy) {
      case ROUND_ROBIN, LB_POLICY_UNSPECIFIED -> "round-robin";
      default -> EnumChoices.name(policy);
    };
  }

  /** Parses {@code --lb}: {@code round-robin} (also {@code ROUND_ROBIN}). */
  static final class LbConverter extends EnumChoices.Converter<Cluster.LbPolicy> {
    LbConverter() {
      super("a load-balancing policy", List.of(Cluster.LbPolicy.ROUND_ROBIN));
    }
  }
}
