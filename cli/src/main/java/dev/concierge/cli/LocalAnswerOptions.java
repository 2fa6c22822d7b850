package dev.concierge.cli;

import dev.concierge.api.v1.DirectResponseAction;
import dev.concierge.api.v1.RedirectAction;
import dev.concierge.api.v1.RegexRewrite;
import dev.concierge.api.v1.Route;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The route flags of the actions a node answers itself: a redirect (any {@code --redirect-*}) or a
 * direct response ({@code --respond}). The server checks the values.
 */
final class LocalAnswerOptions {
  @Option(
      names = "--redirect-status",
      paramLabel = "CODE",
      description = "Redirect with 301, 302, 303, 307 or 308 (default 301).")
  @Nullable Integer redirectStatus;

  @Option(
      names = "--redirect-scheme",
      paramLabel = "SCHEME",
      description = "Redirect to http or https (default: the request's).")
  @Nullable String redirectScheme;

  @Option(
      names = "--redirect-host",
      paramLabel = "HOST",
      description = "Redirect to this host (default: the request's).")
  @Nullable String redirectHost;

  @Option(
      names = "--redirect-port",
      paramLabel = "PORT",
      description = "Redirect to this port (default: the request's).")
  @Nullable Integer redirectPort;

  @Option(
      names = "--redirect-path",
      paramLabel = "PATH",
      description = "Redirect to this path (default: the request's).")
  @Nullable String redirectPath;

  @Option(
      names = "--redirect-prefix",
      paramLabel = "PREFIX",
      description = "Redirect with the matched --path-prefix replaced by PREFIX.")
  @Nullable String redirectPrefix;

  @Option(
      names = "--redirect-regex",
      paramLabel = "RE2",
      description = "Redirect with the path's first match of RE2 replaced by --redirect-to.")
  @Nullable String redirectRegex;

  @Option(
      names = "--redirect-to",
      paramLabel = "SUBSTITUTION",
      description = "What replaces the --redirect-regex match; $1..$9 are its groups.")
  @Nullable String redirectTo;

  @Option(names = "--drop-query", description = "Redirect without the request's query.")
  boolean dropQuery;

  @Option(
      names = "--respond",
      paramLabel = "STATUS",
      description = "Answer with this status (200-599) instead of forwarding.")
  @Nullable Integer respond;

  @Option(names = "--body", paramLabel = "TEXT", description = "Body of the --respond answer.")
  @Nullable String body;

  @Option(
      names = "--content-type",
      paramLabel = "TYPE",
      description = "Content type of --body (default text/plain; charset=utf-8).")
  @Nullable String contentType;

  boolean redirects() {
    return redirectStatus != null
        || redirectScheme != null
        || redirectHost != null
        || redirectPort != null
        || redirectPath != null
        || redirectPrefix != null
        || redirectRegex != null
        || redirectTo != null
        || dropQuery;
  }

  boolean responds() {
    return respond != null || body != null || contentType != null;
  }

  /** Sets the redirect or direct response the flags give, if any. */
  void applyTo(Route.Builder route) {
    if (redirects()) {
      RedirectAction.Builder r = RedirectAction.newBuilder();
      if (redirectStatus != null) {
        r.setStatus(redirectStatus);
      }
      if (redirectScheme != null) {
        r.setScheme(redirectScheme);
      }
      if (redirectHost != null) {
        r.setHost(redirectHost);
      }
      if (redirectPort != null) {
        r.setPort(redirectPort);
      }
      if (redirectPath != null) {
        r.setPath(redirectPath);
      } else if (redirectPrefix != null) {
        r.setPrefix(redirectPrefix);
      } else if (redirectRegex != null || redirectTo != null) {
        r.setRegex(
            RegexRewrite.newBuilder()
                .setPattern(redirectRegex == null ? "" : redirectRegex)
                .setSubstitution(redirectTo == null ? "" : redirectTo));
      }
      route.setRedirect(r.setDropQuery(dropQuery));
    } else if (responds()) {
      DirectResponseAction.Builder d =
          DirectResponseAction.newBuilder().setStatus(respond == null ? 200 : respond);
      if (body != null) {
        d.setBody(body);
      }
      if (contentType != null) {
        d.setContentType(contentType);
      }
      route.setDirectResponse(d);
    }
  }

  /** A usage problem of the flags together, or null. */
  @Nullable String conflict(boolean forwards) {
    int actions = (forwards ? 1 : 0) + (redirects() ? 1 : 0) + (responds() ? 1 : 0);
    if (actions > 1) {
      return "--cluster, --redirect-* and --respond are mutually exclusive";
    }
    int paths =
        (redirectPath != null ? 1 : 0)
            + (redirectPrefix != null ? 1 : 0)
            + (redirectRegex != null || redirectTo != null ? 1 : 0);
    if (paths > 1) {
      return "--redirect-path, --redirect-prefix and --redirect-regex are mutually exclusive";
    }
    if (responds() && respond == null) {
      return "--body and --content-type need --respond STATUS";
    }
    return null;
  }
}
