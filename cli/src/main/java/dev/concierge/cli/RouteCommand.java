package dev.concierge.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.GetRouteRequest;
import dev.concierge.api.v1.ListRoutesRequest;
import dev.concierge.api.v1.ListRoutesResponse;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.api.v1.WeightedCluster;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code concierge route create|list|get|update|delete}: which requests go to which clusters. */
@Command(name = "route", description = "Manage routes (request matches forwarded to clusters).")
final class RouteCommand extends ResourceCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    return missingSubcommand();
  }

  @Command(name = "create", description = "Create a route.")
  int create(
      @Parameters(paramLabel = "NAME", description = "Route id, e.g. web or routes/web.")
          String typedName,
      @Option(
              names = "--host",
              paramLabel = "HOST",
              description = "Host to match, exact or *.example.com; repeat for more (default any).")
          List<String> hosts,
      @Option(
              names = "--path-prefix",
              paramLabel = "PREFIX",
              description = "Match paths starting with PREFIX.")
          String pathPrefix,
      @Option(names = "--path", paramLabel = "PATH", description = "Match exactly this path.")
          String pathExact,
      @Option(
              names = "--cluster",
              required = true,
              paramLabel = "NAME[=WEIGHT]",
              converter = Endpoints.WeightedClusterConverter.class,
              description = "Cluster to forward to; repeat to split traffic by weight.")
          List<WeightedCluster> clusters,
      @Option(
              names = "--timeout",
              paramLabel = "DURATION",
              converter = Durations.Converter.class,
              description = "Upstream response timeout, e.g. 15s (default 15s).")
          Duration timeout,
      @Option(
              names = "--description",
              paramLabel = "TEXT",
              description = "Free text for people (at most 256 characters).")
          String description) {
    String name = name(Names.ROUTE, "create", typedName);
    if (pathPrefix != null && pathExact != null) {
      throw usage("create", "--path-prefix and --path are mutually exclusive");
    }
    RouteMatch.Builder match = RouteMatch.newBuilder();
    if (hosts != null) {
      match.addAllHosts(hosts);
    }
    setPath(match, pathPrefix, pathExact);
    ForwardAction.Builder forward = ForwardAction.newBuilder().addAllClusters(clusters);
    if (timeout != null) {
      forward.setTimeout(timeout);
    }
    Route.Builder route = Route.newBuilder().setName(name).setMatch(match).setForward(forward);
    if (description != null) {
      route.setDescription(description);
    }
    Route created =
        withClient(
            c ->
                c.call(
                    s ->
                        s.createRoute(
                            CreateRouteRequest.newBuilder()
                                .setRouteId(id(name))
                                .setRoute(route)
                                .build())));
    printer()
        .changed(created, "route \"" + id(name) + "\" created" + etagSuffix(created.getEtag()));
    return 0;
  }

  @Command(name = "list", description = "List routes.")
  int list() {
    List<Route> all = withClient(c -> allPages(
        token -> c.call(s -> s.listRoutes(ListRoutesRequest.newBuilder().setPageToken(token).build())),
        ListRoutesResponse::getRoutesList,
        ListRoutesResponse::getNextPageToken));
    printer().list(all, table(all));
    return 0;
  }

  @Command(name = "get", description = "Show one route.")
  int get(
      @Parameters(paramLabel = "NAME", description = "Route id or full name.") String typedName) {
    String name = name(Names.ROUTE, "get", typedName);
    Route route =
        withClient(
            c -> c.call(s -> s.getRoute(GetRouteRequest.newBuilder().setName(name).build())));
    printer().one(route, table(List.of(route)));
    return 0;
  }

  @Command(name = "update", description = "Change a route; only the parts given are replaced.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Route id or full name.") String typedName,
      @Option(names = "--host", paramLabel = "HOST", description = "Replaces all hosts.")
          List<String> hosts,
      @Option(names = "--any-host", description = "Match any host.") boolean anyHost,
      @Option(
              names = "--path-prefix",
              paramLabel = "PREFIX",
              description = "Match paths starting with PREFIX.")
          String pathPrefix,
      @Option(names = "--path", paramLabel = "PATH", description = "Match exactly this path.")
          String pathExact,
      @Option(names = "--any-path", description = "Match any path.") boolean anyPath,
      @Option(
              names = "--cluster",
              paramLabel = "NAME[=WEIGHT]",
              converter = Endpoints.WeightedClusterConverter.class,
              description = "Replaces all clusters; repeat for more.")
          List<WeightedCluster> clusters,
      @Option(
              names = "--timeout",
              paramLabel = "DURATION",
              converter = Durations.Converter.class,
              description = "Upstream response timeout, e.g. 15s.")
          Duration timeout,
      @Option(
              names = "--description",
              paramLabel = "TEXT",
              description = "Free text for people (at most 256 characters).")
          String description) {
    String name = name(Names.ROUTE, "update", typedName);
    boolean newHosts = hosts != null && !hosts.isEmpty();
    if (newHosts && anyHost) {
      throw usage("update", "--host and --any-host are mutually exclusive");
    }
    int paths = (pathPrefix != null ? 1 : 0) + (pathExact != null ? 1 : 0) + (anyPath ? 1 : 0);
    if (paths > 1) {
      throw usage("update", "--path-prefix, --path and --any-path are mutually exclusive");
    }
    boolean newClusters = clusters != null && !clusters.isEmpty();
    boolean changesMatch = newHosts || anyHost || paths > 0;
    boolean changesForward = newClusters || timeout != null;
    if (!changesMatch && !changesForward && description == null) {
      throw usage(
          "update",
          "nothing to update: give --host, --any-host, --path-prefix, --path,"
              + " --any-path, --cluster, --timeout or --description");
    }
    Route updated =
        withClient(
            c -> {
              // The read pins the version we change: a concurrent update makes ours fail with
              // ABORTED.
              Route current =
                  c.call(s -> s.getRoute(GetRouteRequest.newBuilder().setName(name).build()));
              Route.Builder route = Route.newBuilder().setName(name).setEtag(current.getEtag());
              FieldMask.Builder mask = FieldMask.newBuilder();
              // match and forward are replaced whole, from the stored value with the flags applied,
              // so
              // that flags given for one part never clear another.
              if (changesMatch) {
                RouteMatch.Builder match = current.getMatch().toBuilder();
                if (newHosts || anyHost) {
                  match.clearHosts().addAllHosts(anyHost ? List.of() : hosts);
                }
                if (paths > 0) {
                  match.clearPath();
                  setPath(match, pathPrefix, pathExact);
                }
                route.setMatch(match);
                mask.addPaths("match");
              }
              if (changesForward) {
                ForwardAction.Builder forward = current.getForward().toBuilder();
                if (newClusters) {
                  forward.clearClusters().addAllClusters(clusters);
                }
                if (timeout != null) {
                  forward.setTimeout(timeout);
                }
                route.setForward(forward);
                mask.addPaths("forward");
              }
              if (description != null) {
                route.setDescription(description);
                mask.addPaths("description");
              }
              return c.call(
                  s ->
                      s.updateRoute(
                          UpdateRouteRequest.newBuilder()
                              .setRoute(route)
                              .setUpdateMask(mask)
                              .build()));
            });
    printer()
        .changed(updated, "route \"" + id(name) + "\" updated" + etagSuffix(updated.getEtag()));
    return 0;
  }

  @Command(name = "delete", description = "Delete a route.")
  int delete(
      @Parameters(paramLabel = "NAME", description = "Route id or full name.") String typedName) {
    String name = name(Names.ROUTE, "delete", typedName);
    withClient(
        c -> c.call(s -> s.deleteRoute(DeleteRouteRequest.newBuilder().setName(name).build())));
    printer().deleted(name, "route \"" + id(name) + "\" deleted");
    return 0;
  }

  private static void setPath(RouteMatch.Builder match, String prefix, String exact) {
    if (prefix != null) {
      match.setPathPrefix(prefix);
    } else if (exact != null) {
      match.setPathExact(exact);
    }
  }

  static Consumer<PrintWriter> table(List<Route> routes) {
    return out -> {
      Table t = Table.of("NAME", "HOSTS", "PATH", "CLUSTERS", "TIMEOUT");
      for (Route r : routes) {
        RouteMatch m = r.getMatch();
        t.row(
            id(r.getName()),
            m.getHostsCount() == 0 ? "*" : String.join(",", m.getHostsList()),
            path(m),
            r.getForward().getClustersList().stream()
                .map(w -> id(w.getCluster()) + (w.getWeight() > 1 ? "=" + w.getWeight() : ""))
                .collect(Collectors.joining(",")),
            r.getForward().hasTimeout() ? Durations.format(r.getForward().getTimeout()) : "15s");
      }
      t.print(out);
    };
  }

  /** {@code /api/*} for a prefix, the path itself when exact, {@code *} when any. */
  static String path(RouteMatch m) {
    return switch (m.getPathCase()) {
      case PATH_PREFIX -> m.getPathPrefix() + "*";
      case PATH_EXACT -> m.getPathExact();
      default -> "*";
    };
  }
}
