package dev.concierge.dataplane.answer;

import dev.concierge.api.rules.RouteActions;
import dev.concierge.api.v1.DirectResponseAction;
import dev.concierge.api.v1.RedirectAction;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.routing.PathRewrite;
import org.jspecify.annotations.Nullable;

/** Compiles a route's redirect or direct response into a {@link LocalAnswer}. Stateless. */
public final class LocalAnswerCompiler implements PolicyCompiler<LocalAnswer> {
  @Override
  public PolicyKey<LocalAnswer> key() {
    return LocalAnswer.KEY;
  }

  @Override
  public @Nullable LocalAnswer compile(Route route) {
    return switch (route.getActionCase()) {
      case REDIRECT -> redirect(route.getRedirect(), route.getMatch().getPathPrefix());
      case DIRECT_RESPONSE -> direct(route.getDirectResponse());
      default -> null;
    };
  }

  private static LocalAnswer redirect(RedirectAction r, String matchedPrefix) {
    PathRewrite path =
        switch (r.getPathRewriteCase()) {
          case PATH -> new PathRewrite.Whole(r.getPath());
          case PREFIX -> new PathRewrite.Prefix(matchedPrefix, r.getPrefix());
          case REGEX -> PathRewrite.regex(r.getRegex());
          default -> PathRewrite.keep();
        };
    return new Redirect(
        r.getStatus() == 0 ? RouteActions.DEFAULT_REDIRECT_STATUS : r.getStatus(),
        r.getScheme().isEmpty() ? null : r.getScheme(),
        r.getHost().isEmpty() ? null : r.getHost(),
        r.getPort(),
        path,
        r.getDropQuery());
  }

  private static LocalAnswer direct(DirectResponseAction d) {
    return new DirectResponse(
        d.getStatus(),
        d.getContentType().isEmpty() ? RouteActions.DEFAULT_CONTENT_TYPE : d.getContentType(),
        d.getBody());
  }
}
