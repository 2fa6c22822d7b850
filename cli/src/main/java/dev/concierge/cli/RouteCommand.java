package dev.concierge.cli;

import com.google.protobuf.Duration;
import dev.concierge.api.v1.AccessLogPolicy;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.GetRouteRequest;
import dev.concierge.api.v1.HeaderMatch;
import dev.concierge.api.v1.ListRoutesRequest;
import dev.concierge.api.v1.ListRoutesResponse;
import dev.concierge.api.v1.QueryParameterMatch;
import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.RouteTls;
import dev.concierge.api.v1.TimeWindow;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.api.v1.WeightedCluster;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
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

/** {@code concierge route create|list|get|update|delete}: which requests go to which clusters. */
@Command(name = "route", description = "Manage routes (request matches forwarded to clusters).")
final class RouteCommand extends ResourceCommand implements Callable<Integer> {

  static final Rpcs<Route> RPCS =
      new Rpcs<>(
          Names.ROUTE,
          (s, name) -> s.getRoute(GetRouteRequest.newBuilder().setName(name).build()),
          (s, route, validateOnly) ->
              s.createRoute(
                  CreateRouteRequest.newBuilder()
                      .setRouteId(id(route.getName()))
                      .setRoute(route)
                      .setValidateOnly(validateOnly)
                      .build()),
          (s, route, mask, validateOnly) ->
              s.updateRoute(
                  UpdateRouteRequest.newBuilder()
                      .setRoute(route)
                      .setUpdateMask(mask)
                      .setValidateOnly(validateOnly)
                      .build()),
          (s, name, etag) ->
              s.deleteRoute(DeleteRouteRequest.newBuilder().setName(name).setEtag(etag).build()));

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(name = "create", description = "Create a route.")
  int create(
      @Parameters(paramLabel = "NAME", description = "Route id, e.g. web or routes/web.")
          String typedName,
      @Mixin Options options,
      @Mixin RetryOptions retry,
      @Mixin RewriteOptions rewrite,
      @Mixin StickinessOptions sticky,
      @Mixin LocalAnswerOptions answer,
      @Mixin RouteTlsOptions tls,
      @Mixin AccessLogOptions accessLog,
      @Mixin RoutePolicyOptions routePolicies,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.ROUTE, "create", typedName);
    if (routePolicies.noPolicies) {
      throw usage("create", "--no-policies only applies to update");
    }
    if (tls.conflict() != null) {
      throw usage("create", tls.conflict());
    }
    boolean forwards = options.clusters != null && !options.clusters.isEmpty();
    if ((retry.given() || sticky.given()) && !forwards) {
      throw usage(
          "create", "retry, idle-timeout and sticky options apply to a route with --cluster");
    }
    if (sticky.conflict() != null) {
      throw usage("create", sticky.conflict());
    }
    if (rewrite.given() && !forwards) {
      throw usage("create", "rewrite options apply to a route with --cluster");
    }
    String rewriteConflict = rewrite.conflict();
    if (rewriteConflict != null) {
      throw usage("create", rewriteConflict);
    }
    String conflict = answer.conflict(forwards);
    if (conflict != null) {
      throw usage("create", conflict);
    }
    if (!answer.redirects() && !answer.responds()) {
      requireOption("create", options.clusters, "--cluster=NAME[=WEIGHT]");
    }
    if (options.pathCount() > 1) {
      throw usage("create", "--path-prefix, --path and --path-regex are mutually exclusive");
    }
    if (options.prefixMode != null && options.pathPrefix == null) {
      throw usage("create", "--prefix-mode requires --path-prefix");
    }
    RouteMatch.Builder match = RouteMatch.newBuilder();
    if (options.hosts != null) {
      match.addAllHosts(options.hosts);
    }
    if (options.methods != null) {
      match.addAllMethods(options.methods);
    }
    options.applyPath(match);
    options.applyTo(match);
    Route.Builder route = Route.newBuilder().setName(name).setMatch(match);
    if (forwards) {
      route.setForward(
          sticky.applyTo(
              rewrite.applyTo(retry.applyTo(options.applyTo(ForwardAction.newBuilder())))));
    } else {
      answer.applyTo(route);
    }
    if (options.changesBody()) {
      route.setRequestBody(options.applyTo(RequestBodyPolicy.newBuilder()));
    }
    if (description.given()) {
      route.setDescription(description.value);
    }
    if (options.priority != null) {
      route.setPriority(options.priority);
    }
    if (tls.given()) {
      RouteTls policy = tls.applyTo(RouteTls.getDefaultInstance());
      if (policy != null) {
        route.setTls(policy);
      }
    }
    if (accessLog.given()) {
      route.setAccessLog(accessLog.applyTo(AccessLogPolicy.getDefaultInstance()));
    }
    if (routePolicies.given()) {
      routePolicies.applyTo(route);
    }
    return create(RPCS, route.build(), validateOnly, "created");
  }

  @Command(name = "list", description = "List routes.")
  int list() {
    List<Route> all =
        listAll(
            (s, token) -> s.listRoutes(ListRoutesRequest.newBuilder().setPageToken(token).build()),
            ListRoutesResponse::getRoutesList,
            ListRoutesResponse::getNextPageToken);
    printer().list(all, table(all));
    return 0;
  }

  @Command(name = "get", description = "Show one route.")
  int get(
      @Parameters(paramLabel = "NAME", description = "Route id or full name.") String typedName) {
    return show(RPCS, typedName, RouteCommand::details);
  }

  /** {@code get}: the table, and the policies the route applies when it names any. */
  static Consumer<PrintWriter> details(List<Route> routes) {
    return out -> {
      table(routes).accept(out);
      for (Route r : routes) {
        if (r.getPoliciesCount() > 0) {
          out.println(
              "policies: "
                  + r.getPoliciesList().stream()
                      .map(ResourceCommand::id)
                      .collect(Collectors.joining(", ")));
        }
      }
    };
  }

  @Command(name = "update", description = "Change a route; only the parts given are replaced.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Route id or full name.") String typedName,
      @Option(names = "--any-host", description = "Match any host.") boolean anyHost,
      @Option(names = "--any-method", description = "Match any method.") boolean anyMethod,
      @Option(names = "--any-path", description = "Match any path.") boolean anyPath,
      @Option(names = "--any-header", description = "Drop every header match.") boolean anyHeader,
      @Option(names = "--any-query", description = "Drop every query parameter match.")
          boolean anyQuery,
      @Option(names = "--any-source", description = "Drop the source CIDR blocks.")
          boolean anySource,
      @Option(names = "--any-device", description = "Drop the device classes.") boolean anyDevice,
      @Option(names = "--any-country", description = "Drop the countries.") boolean anyCountry,
      @Option(names = "--any-time", description = "Drop the time windows.") boolean anyTime,
      @Mixin Options options,
      @Mixin RetryOptions retry,
      @Mixin RewriteOptions rewrite,
      @Mixin StickinessOptions sticky,
      @Mixin LocalAnswerOptions answer,
      @Mixin RouteTlsOptions tls,
      @Mixin AccessLogOptions accessLog,
      @Mixin RoutePolicyOptions routePolicies,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.Etag etag,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.ROUTE, "update", typedName);
    boolean newHosts = options.hosts != null && !options.hosts.isEmpty();
    if (newHosts && anyHost) {
      throw usage("update", "--host and --any-host are mutually exclusive");
    }
    boolean newMethods = options.methods != null && !options.methods.isEmpty();
    if (newMethods && anyMethod) {
      throw usage("update", "--method and --any-method are mutually exclusive");
    }
    int paths = options.pathCount() + (anyPath ? 1 : 0);
    if (paths > 1) {
      throw usage(
          "update", "--path-prefix, --path, --path-regex and --any-path are mutually exclusive");
    }
    if (options.prefixMode != null
        && (options.pathExact != null || options.pathRegex != null || anyPath)) {
      throw usage(
          "update", "--prefix-mode only applies to a path prefix, not to --path or --any-path");
    }
    boolean newClusters = options.clusters != null && !options.clusters.isEmpty();
    String conflict = answer.conflict(newClusters);
    if (conflict != null) {
      throw usage("update", conflict);
    }
    boolean changesAnswer = answer.redirects() || answer.responds();
    String rewriteConflict = rewrite.conflict();
    if (rewriteConflict != null) {
      throw usage("update", rewriteConflict);
    }
    if ((anyHeader && options.headers != null) || (anyQuery && options.queryParameters != null)) {
      throw usage("update", "--header and --any-header (or --query and --any-query) are exclusive");
    }
    if ((anySource && options.sources != null)
        || (anyDevice && options.devices != null)
        || (anyCountry && options.countries != null)
        || (anyTime && options.times != null)) {
      throw usage(
          "update",
          "--source, --device, --country and --time are exclusive with their --any-* flag");
    }
    boolean changesMatch =
        newHosts
            || anyHost
            || newMethods
            || anyMethod
            || paths > 0
            || options.prefixMode != null
            || options.changesRequestMatches()
            || anyHeader
            || anyQuery
            || anySource
            || anyDevice
            || anyCountry
            || anyTime;
    if (sticky.conflict() != null) {
      throw usage("update", sticky.conflict());
    }
    if (tls.conflict() != null) {
      throw usage("update", tls.conflict());
    }
    if (routePolicies.conflict() != null) {
      throw usage("update", routePolicies.conflict());
    }
    boolean changesForward =
        newClusters
            || options.timeout != null
            || options.changesForward()
            || retry.given()
            || rewrite.given()
            || sticky.given();
    if (!changesMatch
        && !changesForward
        && !changesAnswer
        && !options.changesBody()
        && options.priority == null
        && !tls.given()
        && !accessLog.given()
        && !routePolicies.given()
        && !description.given()) {
      throw usage(
          "update",
          "nothing to update: give --host, --any-host, --method, --any-method, --header,"
              + " --any-header, --query, --any-query, --source, --device, --country, --time (or"
              + " their --any-*), --path-prefix, --path, --path-regex, --any-path, --prefix-mode,"
              + " --priority, --cluster, --timeout, --path-forwarding,"
              + " --max-attempts, --redirect-*, --respond, --request-body, --max-body,"
              + " --retry-on, --per-try-timeout, --retry-backoff, --retry-non-idempotent,"
              + " --idle-timeout, --prefix-rewrite, --regex-rewrite, --keep-path,"
              + " --host-rewrite, --endpoint-host, --client-host, --request-header-*,"
              + " --response-header-*, --sticky-cookie, --sticky-header, --no-sticky,"
              + " --redirect-to-https, --https-redirect-port, --hsts-*, --no-hsts,"
              + " --no-tls-policy, --no-access-log, --access-log-sample, --secret-query-param,"
              + " --policy, --no-policies or --description");
    }
    return update(
        RPCS,
        name,
        (current, mask) -> {
          Route.Builder route = Route.newBuilder().setName(name);
          // match, forward and request_body are replaced whole, from the stored value with the
          // flags applied, so that flags given for one part never clear another.
          if (changesMatch) {
            RouteMatch.Builder match = current.getMatch().toBuilder();
            if (newHosts || anyHost) {
              match.clearHosts().addAllHosts(anyHost ? List.of() : options.hosts);
            }
            if (newMethods || anyMethod) {
              match.clearMethods().addAllMethods(anyMethod ? List.of() : options.methods);
            }
            if (paths > 0) {
              match.clearPath();
              options.applyPath(match);
              if (options.pathPrefix == null) {
                // The stored prefix mode would not apply to the new path.
                match.clearPrefixMode();
              }
            }
            if (anyHeader) {
              match.clearHeaders();
            }
            if (anyQuery) {
              match.clearQueryParameters();
            }
            if (anySource) {
              match.clearSourceCidrs();
            }
            if (anyDevice) {
              match.clearDevices();
            }
            if (anyCountry) {
              match.clearCountries();
            }
            if (anyTime) {
              match.clearTimeWindows();
            }
            options.applyTo(match);
            route.setMatch(match);
            mask.addPaths("match");
          }
          if (changesAnswer) {
            // The action is one of forward, redirect and direct_response: setting one clears the
            // others.
            answer.applyTo(route);
            mask.addPaths(route.hasRedirect() ? "redirect" : "direct_response");
          }
          if (changesForward) {
            ForwardAction.Builder forward = current.getForward().toBuilder();
            if (newClusters) {
              forward.clearClusters();
            }
            route.setForward(
                sticky.applyTo(rewrite.applyTo(retry.applyTo(options.applyTo(forward)))));
            mask.addPaths("forward");
          }
          if (options.changesBody()) {
            route.setRequestBody(options.applyTo(current.getRequestBody().toBuilder()));
            mask.addPaths("request_body");
          }
          if (description.given()) {
            route.setDescription(description.value);
            mask.addPaths("description");
          }
          if (options.priority != null) {
            route.setPriority(options.priority);
            mask.addPaths("priority");
          }
          if (tls.given()) {
            RouteTls policy = tls.applyTo(current.getTls());
            if (policy != null) {
              route.setTls(policy);
            }
            mask.addPaths("tls");
          }
          if (accessLog.given()) {
            route.setAccessLog(accessLog.applyTo(current.getAccessLog()));
            mask.addPaths("access_log");
          }
          if (routePolicies.given()) {
            routePolicies.applyTo(route);
            mask.addPaths("policies");
          }
          return route.build();
        },
        etag,
        validateOnly);
  }

  @Command(name = "delete", description = "Delete a route.")
  int delete(
      @Parameters(paramLabel = "NAME", description = "Route id or full name.") String typedName,
      @Mixin ResourceOptions.Etag etag) {
    return remove(RPCS, typedName, etag);
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
            path(m) + requestMatches(r),
            action(r),
            !r.hasForward()
                ? ""
                : r.getForward().hasTimeout()
                    ? Durations.format(r.getForward().getTimeout())
                    : "15s",
            body(r.getRequestBody()));
      }
      t.print(out);
    };
  }

  /**
   * The other tests after the path, as typed: {@code [x-canary=1 ?debug src=10.0.0.0/8
   * device=mobile country=FR,DE time=mon-fri 09:00-17:00 Europe/Paris priority=5]}.
   */
  private static String requestMatches(Route r) {
    RouteMatch m = r.getMatch();
    List<String> tests = new ArrayList<>();
    m.getHeadersList().forEach(h -> tests.add(RequestMatches.format(h)));
    m.getQueryParametersList().forEach(q -> tests.add("?" + RequestMatches.format(q)));
    if (m.getSourceCidrsCount() > 0) {
      tests.add("src=" + String.join(",", m.getSourceCidrsList()));
    }
    if (m.getDevicesCount() > 0) {
      tests.add(
          "device="
              + m.getDevicesList().stream()
                  .map(EnumChoices::name)
                  .collect(Collectors.joining(",")));
    }
    if (m.getCountriesCount() > 0) {
      tests.add("country=" + String.join(",", m.getCountriesList()));
    }
    m.getTimeWindowsList().forEach(w -> tests.add("time=" + ClientMatches.format(w)));
    if (r.getPriority() != 0) {
      tests.add("priority=" + r.getPriority());
    }
    return tests.isEmpty() ? "" : " [" + String.join(" ", tests) + "]";
  }

  /** The clusters forwarded to, or what the node answers itself: {@code redirect 301}. */
  private static String action(Route r) {
    return switch (r.getActionCase()) {
      case REDIRECT ->
          "redirect " + (r.getRedirect().getStatus() == 0 ? 301 : r.getRedirect().getStatus());
      case DIRECT_RESPONSE -> "respond " + r.getDirectResponse().getStatus();
      default -> {
        String clusters =
            r.getForward().getClustersList().stream()
                .map(
                    w ->
                        id(w.getCluster())
                            + (w.getWeight() != 1 && w.hasWeight() ? "=" + w.getWeight() : ""))
                .collect(Collectors.joining(","));
        String rewrites = RewriteOptions.format(r.getForward());
        if (r.getForward().hasStickiness()) {
          clusters += " sticky=" + StickinessOptions.format(r.getForward().getStickiness());
        }
        yield rewrites.isEmpty() ? clusters : clusters + " [" + rewrites + "]";
      }
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
      case PATH_REGEX -> "~" + m.getPathRegex();
      default -> "*";
    };
  }

  /**
   * Options create and update share with one meaning: what a route matches, where and how a matched
   * request is forwarded, and how its body is taken in. Only what is given is applied; update
   * replaces each list given whole.
   */
  static final class Options {
    @Option(
        names = "--host",
        paramLabel = "HOST",
        description =
            "Host to match, exact or *.example.com; repeat for more (default any; update: replaces"
                + " all).")
    @Nullable List<String> hosts;

    @Option(
        names = "--method",
        paramLabel = "METHOD",
        description =
            "HTTP method to match, e.g. GET (case-sensitive); repeat for more (default any;"
                + " update: replaces all).")
    @Nullable List<String> methods;

    @Option(
        names = "--header",
        paramLabel = "TEST",
        converter = RequestMatches.HeaderConverter.class,
        description =
            "Request header to match: NAME (present), !NAME (absent), NAME=VALUE, NAME^=PREFIX,"
                + " NAME~=REGEX (RE2, whole value), ! before any to invert; repeat, all must hold"
                + " (update: replaces all).")
    @Nullable List<HeaderMatch> headers;

    @Option(
        names = "--query",
        paramLabel = "TEST",
        converter = RequestMatches.QueryConverter.class,
        description =
            "Query parameter to match: NAME (present), NAME=VALUE, NAME~=REGEX; repeat, all must"
                + " hold (update: replaces all).")
    @Nullable List<QueryParameterMatch> queryParameters;

    @Option(
        names = "--path-prefix",
        paramLabel = "PREFIX",
        description = "Match paths starting with PREFIX.")
    @Nullable String pathPrefix;

    @Option(names = "--path", paramLabel = "PATH", description = "Match exactly this path.")
    @Nullable String pathExact;

    @Option(
        names = "--path-regex",
        paramLabel = "RE",
        description =
            "Match paths this RE2 expression matches as a whole, e.g. '/users/[0-9]+'; ranks"
                + " below exact and prefix paths.")
    @Nullable String pathRegex;

    @Option(
        names = "--source",
        paramLabel = "CIDR",
        description =
            "Client address block to match, e.g. 10.0.0.0/8 or 2001:db8::/32 (the peer, or behind"
                + " the node's --trusted-proxy the X-Forwarded-For client); repeat for more"
                + " (update: replaces all).")
    @Nullable List<String> sources;

    @Option(
        names = "--device",
        paramLabel = "CLASS",
        converter = ClientMatches.DeviceConverter.class,
        description =
            "Device class of the User-Agent to match: mobile, tablet, desktop or bot; repeat for"
                + " more (update: replaces all).")
    @Nullable List<DeviceClass> devices;

    @Option(
        names = "--country",
        paramLabel = "CC",
        description =
            "Client country to match, ISO 3166-1 alpha-2 (FR; ZZ: unknown), from the node's"
                + " --geo-header or --geo-csv; repeat for more (update: replaces all).")
    @Nullable List<String> countries;

    @Option(
        names = "--time",
        paramLabel = "WINDOW",
        converter = ClientMatches.TimeConverter.class,
        description =
            "Time window to match: [DAYS] [HH:MM-HH:MM] [ZONE], e.g. 'mon-fri 09:00-17:00"
                + " Europe/Paris' (default every day, all day, UTC; hours may wrap past midnight);"
                + " repeat, any may hold (update: replaces all).")
    @Nullable List<TimeWindow> times;

    @Option(
        names = "--priority",
        paramLabel = "N",
        description = "Breaks ties between routes of equal specificity: higher first (default 0).")
    @Nullable Integer priority;

    @Option(
        names = "--cluster",
        paramLabel = "NAME[=WEIGHT]",
        converter = Endpoints.WeightedClusterConverter.class,
        description =
            "Cluster to forward to; repeat to split traffic by weight 0-1000 (default 1; 0 drains"
                + " it, for a blue/green flip) (required on create; update: replaces all).")
    @Nullable List<WeightedCluster> clusters;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        converter = Durations.RouteTimeoutConverter.class,
        description = "Upstream response timeout, above 0 and at most 1h, e.g. 15s (default 15s).")
    @Nullable Duration timeout;

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
        converter = AttemptsConverter.class,
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

    /** Sets the path given, prefix, exact or regex, if any. */
    void applyPath(RouteMatch.Builder match) {
      if (pathPrefix != null) {
        match.setPathPrefix(pathPrefix);
      } else if (pathExact != null) {
        match.setPathExact(pathExact);
      } else if (pathRegex != null) {
        match.setPathRegex(pathRegex);
      }
    }

    /** How many path options were given. */
    int pathCount() {
      return (pathPrefix != null ? 1 : 0)
          + (pathExact != null ? 1 : 0)
          + (pathRegex != null ? 1 : 0);
    }

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
      if (headers != null && !headers.isEmpty()) {
        match.clearHeaders().addAllHeaders(headers);
      }
      if (queryParameters != null && !queryParameters.isEmpty()) {
        match.clearQueryParameters().addAllQueryParameters(queryParameters);
      }
      if (given(sources)) {
        match.clearSourceCidrs().addAllSourceCidrs(sources);
      }
      if (given(devices)) {
        match.clearDevices().addAllDevices(devices);
      }
      if (given(countries)) {
        match.clearCountries().addAllCountries(countries);
      }
      if (given(times)) {
        match.clearTimeWindows().addAllTimeWindows(times);
      }
    }

    boolean changesRequestMatches() {
      return given(headers)
          || given(queryParameters)
          || given(sources)
          || given(devices)
          || given(countries)
          || given(times);
    }

    private static boolean given(@Nullable List<?> values) {
      return values != null && !values.isEmpty();
    }

    ForwardAction.Builder applyTo(ForwardAction.Builder forward) {
      if (clusters != null) {
        forward.addAllClusters(clusters);
      }
      if (timeout != null) {
        forward.setTimeout(timeout);
      }
      if (pathForwarding != null) {
        forward.setPathForwarding(pathForwarding);
      }
      if (maxAttempts != null) {
        forward.setMaxAttempts(maxAttempts);
      }
      return forward;
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

  /** Parses {@code --max-attempts}: 1 to 5. */
  static final class AttemptsConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        int n = Integer.parseInt(value.strip());
        if (n >= 1 && n <= 5) {
          return n;
        }
      } catch (NumberFormatException e) {
        // falls through to the message below
      }
      throw new TypeConversionException("'" + value + "' must be a number from 1 to 5");
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
