package dev.concierge.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.GetRouteRequest;
import dev.concierge.api.v1.ListRoutesRequest;
import dev.concierge.api.v1.ListRoutesResponse;
import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.api.v1.WeightedCluster;
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

/** {@code concierge route create|list|get|update|delete}: which requests go to which clusters. */
@Command(name = "route", description = "Manage routes (request matches forwarded to clusters).")
final class RouteCommand extends ResourceCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw missingSubcommand();
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
              names = "--method",
              paramLabel = "METHOD",
              description =
                  "HTTP method to match, e.g. GET (case-sensitive); repeat for more (default any).")
          List<String> methods,
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
      @Mixin Tuning tuning,
      @Option(
              names = "--description",
              paramLabel = "TEXT",
              description = "Free text for people (at most 256 characters).")
          String description) {
    String name = name(Names.ROUTE, "create", typedName);
    if (pathPrefix != null && pathExact != null) {
      throw usage("create", "--path-prefix and --path are mutually exclusive");
    }
    if (tuning.prefixMode != null && pathPrefix == null) {
      throw usage("create", "--prefix-mode requires --path-prefix");
    }
    RouteMatch.Builder match = RouteMatch.newBuilder();
    if (hosts != null) {
      match.addAllHosts(hosts);
    }
    if (methods != null) {
      match.addAllMethods(methods);
    }
    setPath(match, pathPrefix, pathExact);
    tuning.applyTo(match);
    ForwardAction.Builder forward = ForwardAction.newBuilder().addAllClusters(clusters);
    if (timeout != null) {
      forward.setTimeout(timeout);
    }
    tuning.applyTo(forward);
    Route.Builder route = Route.newBuilder().setName(name).setMatch(match).setForward(forward);
    if (tuning.changesBody()) {
      route.setRequestBody(tuning.applyTo(RequestBodyPolicy.newBuilder()));
    }
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
              names = "--method",
              paramLabel = "METHOD",
              description = "Replaces all methods, e.g. GET (case-sensitive); repeat for more.")
          List<String> methods,
      @Option(names = "--any-method", description = "Match any method.") boolean anyMethod,
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
      @Mixin Tuning tuning,
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
    boolean newMethods = methods != null && !methods.isEmpty();
    if (newMethods && anyMethod) {
      throw usage("update", "--method and --any-method are mutually exclusive");
    }
    int paths = (pathPrefix != null ? 1 : 0) + (pathExact != null ? 1 : 0) + (anyPath ? 1 : 0);
    if (paths > 1) {
      throw usage("update", "--path-prefix, --path and --any-path are mutually exclusive");
    }
    if (tuning.prefixMode != null && (pathExact != null || anyPath)) {
      throw usage(
          "update", "--prefix-mode only applies to a path prefix, not to --path or --any-path");
    }
    boolean newClusters = clusters != null && !clusters.isEmpty();
    boolean changesMatch =
        newHosts || anyHost || newMethods || anyMethod || paths > 0 || tuning.prefixMode != null;
    boolean changesForward = newClusters || timeout != null || tuning.changesForward();
    if (!changesMatch && !changesForward && !tuning.changesBody() && description == null) {
      throw usage(
          "update",
          "nothing to update: give --host, --any-host, --method, --any-method, --path-prefix,"
              + " --path, --any-path, --prefix-mode, --cluster, --timeout, --path-forwarding,"
              + " --max-attempts, --request-body, --max-body or --description");
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
              // match, forward and request_body are replaced whole, from the stored value with the
              // flags applied, so that flags given for one part never clear another.
              if (changesMatch) {
                RouteMatch.Builder match = current.getMatch().toBuilder();
                if (newHosts || anyHost) {
                  match.clearHosts().addAllHosts(anyHost ? List.of() : hosts);
                }
                if (newMethods || anyMethod) {
                  match.clearMethods().addAllMethods(anyMethod ? List.of() : methods);
                }
                if (paths > 0) {
                  match.clearPath();
                  setPath(match, pathPrefix, pathExact);
                  if (pathPrefix == null) {
                    // The stored prefix mode would not apply to the new path.
                    match.clearPrefixMode();
                  }
                }
                tuning.applyTo(match);
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
                tuning.applyTo(forward);
                route.setForward(forward);
                mask.addPaths("forward");
              }
              if (tuning.changesBody()) {
                route.setRequestBody(tuning.applyTo(current.getRequestBody().toBuilder()));
                mask.addPaths("request_body");
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
      Table t = Table.of("NAME", "HOSTS", "METHODS", "PATH", "CLUSTERS", "TIMEOUT", "BODY");
      for (Route r : routes) {
        RouteMatch m = r.getMatch();
        t.row(
            id(r.getName()),
            anyIfEmpty(m.getHostsList()),
            anyIfEmpty(m.getMethodsList()),
            path(m),
            r.getForward().getClustersList().stream()
                .map(w -> id(w.getCluster()) + (w.getWeight() > 1 ? "=" + w.getWeight() : ""))
                .collect(Collectors.joining(",")),
            r.getForward().hasTimeout() ? Durations.format(r.getForward().getTimeout()) : "15s",
            body(r.getRequestBody()));
      }
      t.print(out);
    };
  }

  /** {@code *} when empty (any), else comma-joined. */
  private static String anyIfEmpty(List<String> values) {
    return values.isEmpty() ? "*" : String.join(",", values);
  }

  /** {@code buffer} or {@code stream}, with the limit when one is set: {@code stream ≤50m}. */
  static String body(RequestBodyPolicy policy) {
    String mode =
        switch (policy.getMode()) {
          case MODE_UNSPECIFIED -> "buffer";
          case UNRECOGNIZED -> "mode " + policy.getModeValue();
          default -> EnumChoices.name(policy.getMode());
        };
    return policy.getMaxBytes() == 0
        ? mode
        : mode + " " + unicodeOr("≤", "<=") + Sizes.format(policy.getMaxBytes());
  }

  /** {@code /api/*} for a prefix, the path itself when exact, {@code *} when any. */
  static String path(RouteMatch m) {
    return switch (m.getPathCase()) {
      case PATH_PREFIX -> m.getPathPrefix() + "*";
      case PATH_EXACT -> m.getPathExact();
      default -> "*";
    };
  }

  /**
   * Options create and update share with one meaning: the prefix mode, how a matched request is
   * forwarded, and how its body is taken in. Only what is given is applied.
   */
  static final class Tuning {
    @Option(
        names = "--prefix-mode",
        paramLabel = "MODE",
        converter = PrefixModeConverter.class,
        description =
            "How --path-prefix compares: segments (whole segments: /api matches /api/x, not"
                + " /apix; default) or string (plain string prefix).")
    RouteMatch.@Nullable PrefixMode prefixMode;

    @Option(
        names = "--path-forwarding",
        paramLabel = "FORM",
        converter = PathForwardingConverter.class,
        description =
            "Path sent upstream: normalized (the path as matched; default) or raw (exactly as"
                + " the client sent it).")
    ForwardAction.@Nullable PathForwarding pathForwarding;

    @Option(
        names = "--max-attempts",
        paramLabel = "N",
        description = "Tries per request, the first included: 1-5 (default 2).")
    @Nullable Integer maxAttempts;

    @Option(
        names = "--request-body",
        paramLabel = "MODE",
        converter = BodyModeConverter.class,
        description =
            "How request bodies are taken in: buffer (the whole body before going upstream;"
                + " default) or stream (relayed as it arrives).")
    RequestBodyPolicy.@Nullable Mode requestBody;

    @Option(
        names = "--max-body",
        paramLabel = "SIZE",
        converter = Sizes.Converter.class,
        description =
            "Largest request body, 413 above, e.g. 16k, 50m (default: the node's limit when"
                + " buffering, none when streaming).")
    @Nullable Long maxBody;

    boolean changesForward() {
      return pathForwarding != null || maxAttempts != null;
    }

    boolean changesBody() {
      return requestBody != null || maxBody != null;
    }

    void applyTo(RouteMatch.Builder match) {
      if (prefixMode != null) {
        match.setPrefixMode(prefixMode);
      }
    }

    void applyTo(ForwardAction.Builder forward) {
      if (pathForwarding != null) {
        forward.setPathForwarding(pathForwarding);
      }
      if (maxAttempts != null) {
        forward.setMaxAttempts(maxAttempts);
      }
    }

    RequestBodyPolicy.Builder applyTo(RequestBodyPolicy.Builder body) {
      if (requestBody != null) {
        body.setMode(requestBody);
      }
      if (maxBody != null) {
        body.setMaxBytes(maxBody);
      }
      return body;
    }
  }

  /** Parses {@code --prefix-mode}. */
  static final class PrefixModeConverter extends EnumChoices.Converter<RouteMatch.PrefixMode> {
    PrefixModeConverter() {
      super("a prefix mode", List.of(RouteMatch.PrefixMode.SEGMENTS, RouteMatch.PrefixMode.STRING));
    }
  }

  /** Parses {@code --path-forwarding}. */
  static final class PathForwardingConverter
      extends EnumChoices.Converter<ForwardAction.PathForwarding> {
    PathForwardingConverter() {
      super(
          "a path forwarding",
          List.of(ForwardAction.PathForwarding.NORMALIZED, ForwardAction.PathForwarding.RAW));
    }
  }

  /** Parses {@code --request-body}. */
  static final class BodyModeConverter extends EnumChoices.Converter<RequestBodyPolicy.Mode> {
    BodyModeConverter() {
      super(
          "a request body mode",
          List.of(RequestBodyPolicy.Mode.BUFFER, RequestBodyPolicy.Mode.STREAM));
    }
  }
}
