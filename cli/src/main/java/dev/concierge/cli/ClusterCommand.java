package dev.concierge.cli;

import com.google.common.net.HostAndPort;
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
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code concierge cluster create|list|get|update|delete}: backend endpoint groups. */
@Command(name = "cluster", description = "Manage clusters (groups of backend endpoints).")
final class ClusterCommand extends ResourceCommand implements Callable<Integer> {

  static final Rpcs<Cluster> RPCS =
      new Rpcs<>(
          Names.CLUSTER,
          (s, name) -> s.getCluster(GetClusterRequest.newBuilder().setName(name).build()),
          (s, cluster, validateOnly) ->
              s.createCluster(
                  CreateClusterRequest.newBuilder()
                      .setClusterId(id(cluster.getName()))
                      .setCluster(cluster)
                      .setValidateOnly(validateOnly)
                      .build()),
          (s, cluster, mask, validateOnly) ->
              s.updateCluster(
                  UpdateClusterRequest.newBuilder()
                      .setCluster(cluster)
                      .setUpdateMask(mask)
                      .setValidateOnly(validateOnly)
                      .build()),
          (s, name, etag) ->
              s.deleteCluster(
                  DeleteClusterRequest.newBuilder().setName(name).setEtag(etag).build()));

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(name = "create", description = "Create a cluster.")
  int create(
      @Parameters(paramLabel = "NAME", description = "Cluster id, e.g. web or clusters/web.")
          String typedName,
      @Mixin Options options,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.CLUSTER, "create", typedName);
    requireOption("create", options.endpoints, "--endpoint=HOST:PORT[=WEIGHT]");
    Cluster.Builder cluster = Cluster.newBuilder().setName(name);
    options.applyTo(cluster, description, FieldMask.newBuilder());
    return create(RPCS, cluster.build(), validateOnly, "created");
  }

  @Command(name = "list", description = "List clusters.")
  int list() {
    List<Cluster> all =
        listAll(
            (s, token) ->
                s.listClusters(ListClustersRequest.newBuilder().setPageToken(token).build()),
            ListClustersResponse::getClustersList,
            ListClustersResponse::getNextPageToken);
    printer().list(all, table(all));
    return 0;
  }

  @Command(name = "get", description = "Show one cluster.")
  int get(
      @Parameters(paramLabel = "NAME", description = "Cluster id or full name.") String typedName) {
    return show(RPCS, typedName, ClusterCommand::table);
  }

  @Command(name = "update", description = "Change a cluster; only the fields given are replaced.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Cluster id or full name.") String typedName,
      @Mixin Options options,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.Etag etag,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.CLUSTER, "update", typedName);
    if (!options.given() && !description.given()) {
      throw usage(
          "update",
          "nothing to update: give --endpoint, --lb, --connect-timeout, --protocol or"
              + " --description");
    }
    return update(
        RPCS,
        name,
        (current, mask) -> {
          Cluster.Builder cluster = Cluster.newBuilder().setName(name);
          options.applyTo(cluster, description, mask);
          return cluster.build();
        },
        etag,
        validateOnly);
  }

  @Command(name = "delete", description = "Delete a cluster that no route uses.")
  int delete(
      @Parameters(paramLabel = "NAME", description = "Cluster id or full name.") String typedName,
      @Mixin ResourceOptions.Etag etag) {
    return remove(RPCS, typedName, etag);
  }

  /** What a cluster is made of, for create and update alike; only what is given is applied. */
  static final class Options {
    @Option(
        names = "--endpoint",
        paramLabel = "HOST:PORT[=WEIGHT]",
        converter = Endpoints.EndpointConverter.class,
        description =
            "A backend; repeat for more (update: replaces all). Weight 1-1000 (default 1).")
    @Nullable List<Endpoint> endpoints;

    @Option(
        names = "--lb",
        paramLabel = "POLICY",
        converter = LbConverter.class,
        description = "Load-balancing policy: round-robin (default).")
    Cluster.@Nullable LbPolicy lb;

    @Option(
        names = "--connect-timeout",
        paramLabel = "DURATION",
        converter = Durations.ConnectTimeoutConverter.class,
        description =
            "Time allowed to connect to an endpoint, above 0 and at most 60s, e.g. 500ms, 5s"
                + " (default 5s).")
    @Nullable Duration connectTimeout;

    @Option(
        names = "--protocol",
        paramLabel = "PROTOCOL",
        converter = ProtocolConverter.class,
        description =
            "Protocol spoken to the endpoints: http1 (default) or http2 (h2c prior knowledge,"
                + " multiplexed; needed for gRPC).")
    Cluster.@Nullable Protocol protocol;

    boolean given() {
      return (endpoints != null && !endpoints.isEmpty())
          || lb != null
          || connectTimeout != null
          || protocol != null;
    }

    /** Sets what was given on {@code cluster} and names it in {@code mask}. */
    void applyTo(
        Cluster.Builder cluster, ResourceOptions.Description description, FieldMask.Builder mask) {
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
      if (protocol != null) {
        cluster.setProtocol(protocol);
        mask.addPaths("protocol");
      }
      if (description.given()) {
        cluster.setDescription(description.value);
        mask.addPaths("description");
      }
    }
  }

  static Consumer<PrintWriter> table(List<Cluster> clusters) {
    return out -> {
      Table t = Table.of("NAME", "ENDPOINTS", "LB", "PROTOCOL", "ETAG", "UPDATED");
      for (Cluster c : clusters) {
        t.row(
            id(c.getName()),
            endpoints(c.getEndpointsList()),
            lb(c.getLbPolicy()),
            protocol(c.getProtocol()),
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
                HostAndPort.fromParts(e.getHost(), e.getPort())
                    + (e.getWeight() > 1 ? "=" + e.getWeight() : ""))
        .collect(Collectors.joining(","));
  }

  static String lb(Cluster.LbPolicy policy) {
    return switch (policy) {
      case ROUND_ROBIN, LB_POLICY_UNSPECIFIED -> "round-robin";
      default -> EnumChoices.name(policy);
    };
  }

  static String protocol(Cluster.Protocol protocol) {
    return switch (protocol) {
      case HTTP1, PROTOCOL_UNSPECIFIED -> "http1";
      default -> EnumChoices.name(protocol);
    };
  }

  /** Parses {@code --protocol}: {@code http1} or {@code http2}. */
  static final class ProtocolConverter extends EnumChoices.Converter<Cluster.Protocol> {
    ProtocolConverter() {
      super("a protocol", List.of(Cluster.Protocol.HTTP1, Cluster.Protocol.HTTP2));
    }
  }

  /** Parses {@code --lb}: {@code round-robin} (also {@code ROUND_ROBIN}). */
  static final class LbConverter extends EnumChoices.Converter<Cluster.LbPolicy> {
    LbConverter() {
      super("a load-balancing policy", List.of(Cluster.LbPolicy.ROUND_ROBIN));
    }
  }
}
