package dev.concierge.cli;

import com.google.common.net.HostAndPort;
import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import dev.concierge.api.rules.ClusterRules;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ClusterHealth;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.DeleteClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.EndpointFleetHealth;
import dev.concierge.api.v1.GetClusterHealthRequest;
import dev.concierge.api.v1.GetClusterRequest;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ListClustersResponse;
import dev.concierge.api.v1.NodeHealthView;
import dev.concierge.api.v1.UpdateClusterRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

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
      @Mixin RetryBudgetOption retryBudget,
      @Mixin CircuitBreakerOptions breakers,
      @Mixin HealthCheckOptions healthCheck,
      @Mixin OutlierOptions outliers,
      @Mixin BalancingOptions balancing,
      @Mixin UpstreamTlsOptions upstreamTls,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.CLUSTER, "create", typedName);
    requireOption("create", options.endpoints, "--endpoint=HOST:PORT[=WEIGHT]");
    Cluster.Builder cluster = Cluster.newBuilder().setName(name);
    options.applyTo(cluster, description, FieldMask.newBuilder());
    retryBudget.applyTo(cluster, FieldMask.newBuilder());
    breakers.applyTo(Cluster.getDefaultInstance(), cluster, FieldMask.newBuilder());
    Cluster none = Cluster.getDefaultInstance();
    apply("create", () -> healthCheck.applyTo(cluster, null, FieldMask.newBuilder()));
    apply("create", () -> outliers.applyTo(none, cluster, FieldMask.newBuilder()));
    apply("create", () -> balancing.applyTo(none, cluster, FieldMask.newBuilder()));
    apply("create", () -> upstreamTls.applyTo(none, cluster, FieldMask.newBuilder()));
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
    return show(RPCS, typedName, ClusterCommand::details);
  }

  @Command(
      name = "health",
      description =
          "Show each endpoint as each node sees it (healthy, unhealthy, ejected, draining,"
              + " unknown) and since when; STALE marks a node that stopped reporting.")
  int health(
      @Parameters(paramLabel = "NAME", description = "Cluster id or full name.") String typedName) {
    String name = name(Names.CLUSTER, "health", typedName);
    ClusterHealth health =
        withClient(
            c ->
                c.call(
                    s ->
                        s.getClusterHealth(
                            GetClusterHealthRequest.newBuilder().setName(name).build())));
    printer()
        .one(
            health,
            out -> {
              Table t = Table.of("ENDPOINT", "NODE", "STATE", "SINCE", "REPORTED");
              for (EndpointFleetHealth endpoint : health.getEndpointsList()) {
                if (endpoint.getViewsCount() == 0) {
                  t.row(endpoint.getAddress(), "-", "no reports", "", "");
                }
                for (NodeHealthView view : endpoint.getViewsList()) {
                  t.row(
                      endpoint.getAddress(),
                      id(view.getNode()),
                      EnumChoices.name(view.getState()) + (view.getStale() ? " (STALE)" : ""),
                      time(view.getSince()),
                      time(view.getReportTime()));
                }
              }
              t.print(out);
            });
    return 0;
  }

  @Command(name = "update", description = "Change a cluster; only the fields given are replaced.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Cluster id or full name.") String typedName,
      @Mixin Options options,
      @Mixin RetryBudgetOption retryBudget,
      @Mixin CircuitBreakerOptions breakers,
      @Mixin HealthCheckOptions healthCheck,
      @Mixin OutlierOptions outliers,
      @Mixin BalancingOptions balancing,
      @Mixin UpstreamTlsOptions upstreamTls,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.Etag etag,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.CLUSTER, "update", typedName);
    if (!options.given()
        && !retryBudget.given()
        && !breakers.given()
        && !healthCheck.given()
        && !outliers.given()
        && !balancing.given()
        && !upstreamTls.given()
        && !description.given()) {
      throw usage(
          "update",
          "nothing to update: give --endpoint, --lb, --hash-on, --overprovisioning,"
              + " --connect-timeout, --retry-budget, --protocol, --max-connections,"
              + " --max-pending-requests, --max-requests, --max-retries, --health-check (and its"
              + " tuning), --outlier-* / --ejection-time (and the other outlier options),"
              + " --panic-threshold, --slow-start, --no-slow-start, --tls (and the other --tls-*"
              + " options), --no-tls or --description");
    }
    return update(
        RPCS,
        name,
        (current, mask) -> {
          Cluster.Builder cluster = Cluster.newBuilder().setName(name);
          options.applyTo(cluster, description, mask);
          retryBudget.applyTo(cluster, mask);
          breakers.applyTo(current, cluster, mask);
          HealthCheck check = current.hasHealthCheck() ? current.getHealthCheck() : null;
          apply("update", () -> healthCheck.applyTo(cluster, check, mask));
          apply("update", () -> outliers.applyTo(current, cluster, mask));
          apply("update", () -> balancing.applyTo(current, cluster, mask));
          apply("update", () -> upstreamTls.applyTo(current, cluster, mask));
          return cluster.build();
        },
        etag,
        validateOnly);
  }

  /** Runs one option group's apply; its refusal of a combination becomes a usage error. */
  private void apply(String command, Runnable applyTo) {
    try {
      applyTo.run();
    } catch (IllegalArgumentException e) {
      throw usage(command, String.valueOf(e.getMessage()));
    }
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
            "A backend; repeat for more (update: replaces all). Weight 1-1000 (default 1);"
                + " append ,priority=N (0-127, default 0, the highest) for a failover level,"
                + " e.g. 10.0.0.9:80,priority=1, and ,draining to keep it out of rotation"
                + " (see endpoint drain).")
    @Nullable List<Endpoint> endpoints;

    @Option(
        names = "--lb",
        paramLabel = "POLICY",
        converter = LbConverter.class,
        description =
            "Load-balancing policy: round-robin (default), least-request, random, ring-hash or"
                + " maglev.")
    Cluster.@Nullable LbPolicy lb;

    @Option(
        names = "--hash-on",
        paramLabel = "KEY",
        converter = HashOnConverter.class,
        description =
            "What ring-hash and maglev hash: source-ip (default), header:NAME, cookie:NAME or"
                + " path. A request without the header or cookie goes to a random endpoint.")
    Cluster.@Nullable HashPolicy hashOn;

    @Option(
        names = "--overprovisioning",
        paramLabel = "PERCENT",
        description =
            "How far a priority level's available share is overstated before traffic spills to"
                + " the next level, 100-1000 (default 140: priority 0 keeps all traffic while"
                + " 72% of its endpoints are available).")
    @Nullable Integer overprovisioning;

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
          || hashOn != null
          || overprovisioning != null
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
        if (!ClusterRules.hashes(lb) && hashOn == null) {
          mask.addPaths("hash_policy"); // a hash key is only for hashing policies: clear it
        }
      }
      if (hashOn != null) {
        cluster.setHashPolicy(hashOn);
        mask.addPaths("hash_policy");
      }
      if (overprovisioning != null) {
        cluster.setOverprovisioningPercent(overprovisioning);
        mask.addPaths("overprovisioning_percent");
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
      Table t = Table.of("NAME", "ENDPOINTS", "LB", "PROTOCOL", "HEALTH CHECK", "ETAG", "UPDATED");
      for (Cluster c : clusters) {
        t.row(
            id(c.getName()),
            endpoints(c.getEndpointsList()),
            lb(c),
            protocol(c.getProtocol()),
            HealthCheckOptions.describe(c),
            c.getEtag(),
            time(c.getUpdateTime()));
      }
      t.print(out);
    };
  }

  /**
   * {@code get}: the table, the circuit breakers under it when the cluster has any, its outlier
   * detection, and its panic threshold and slow start when it has them.
   */
  static Consumer<PrintWriter> details(List<Cluster> clusters) {
    return out -> {
      table(clusters).accept(out);
      for (Cluster c : clusters) {
        if (c.hasCircuitBreakers()) {
          out.println("circuit breakers: " + CircuitBreakerOptions.describe(c));
        }
        out.println("outlier detection: " + OutlierOptions.describe(c));
        if (c.hasTls()) {
          out.println("upstream: " + UpstreamTlsOptions.describe(c));
        }
        BalancingOptions.describe(c).forEach(out::println);
      }
    };
  }

  static String endpoints(List<Endpoint> endpoints) {
    return endpoints.stream()
        .map(
            e ->
                HostAndPort.fromParts(e.getHost(), e.getPort())
                    + (e.getWeight() > 1 ? "=" + e.getWeight() : "")
                    + (e.getPriority() > 0 ? ",priority=" + e.getPriority() : "")
                    + (e.getDraining() ? "," + Endpoints.DRAINING : ""))
        .collect(Collectors.joining(","));
  }

  /** The policy, its hash key and a non-default overprovisioning: {@code ring-hash(path)}. */
  static String lb(Cluster c) {
    String policy =
        switch (c.getLbPolicy()) {
          case ROUND_ROBIN, LB_POLICY_UNSPECIFIED -> "round-robin";
          default -> EnumChoices.name(c.getLbPolicy());
        };
    if (ClusterRules.hashes(c.getLbPolicy())) {
      policy += "(" + hashOn(c.getHashPolicy()) + ")";
    }
    if (c.getOverprovisioningPercent() != 0) {
      policy += " overprovisioning=" + c.getOverprovisioningPercent() + "%";
    }
    return policy;
  }

  /** How {@code --hash-on} names a hash policy; unset is the default, source-ip. */
  static String hashOn(Cluster.HashPolicy policy) {
    return switch (policy.getKeyCase()) {
      case HEADER -> "header:" + policy.getHeader();
      case COOKIE -> "cookie:" + policy.getCookie();
      case PATH -> "path";
      case SOURCE_IP, KEY_NOT_SET -> "source-ip";
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

  /** Parses {@code --lb}: {@code round-robin} (also {@code ROUND_ROBIN}), {@code maglev}, ... */
  static final class LbConverter extends EnumChoices.Converter<Cluster.LbPolicy> {
    LbConverter() {
      super(
          "a load-balancing policy",
          List.of(
              Cluster.LbPolicy.ROUND_ROBIN,
              Cluster.LbPolicy.LEAST_REQUEST,
              Cluster.LbPolicy.RANDOM,
              Cluster.LbPolicy.RING_HASH,
              Cluster.LbPolicy.MAGLEV));
    }
  }

  /** Parses {@code --hash-on}: source-ip, header:NAME, cookie:NAME or path. */
  static final class HashOnConverter implements ITypeConverter<Cluster.HashPolicy> {
    @Override
    public Cluster.HashPolicy convert(String value) {
      String v = value.strip();
      String lower = v.toLowerCase(Locale.ROOT);
      if (lower.equals("source-ip")) {
        return Cluster.HashPolicy.newBuilder().setSourceIp(true).build();
      }
      if (lower.equals("path")) {
        return Cluster.HashPolicy.newBuilder().setPath(true).build();
      }
      if (lower.startsWith("header:") && v.length() > "header:".length()) {
        return Cluster.HashPolicy.newBuilder().setHeader(v.substring("header:".length())).build();
      }
      if (lower.startsWith("cookie:") && v.length() > "cookie:".length()) {
        return Cluster.HashPolicy.newBuilder().setCookie(v.substring("cookie:".length())).build();
      }
      throw new TypeConversionException(
          "'"
              + value
              + "' is not a hash key (expected source-ip, header:NAME, cookie:NAME or path)");
    }
  }
}
