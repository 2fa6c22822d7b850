package dev.concierge.dataplane.tls;

import dev.concierge.api.v1.Hsts;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteTls;
import dev.concierge.dataplane.answer.Redirect;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.routing.PathRewrite;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.jspecify.annotations.Nullable;

/** Compiles a route's {@code tls} into a {@link RouteTlsPolicy}. Stateless. */
public final class RouteTlsCompiler implements PolicyCompiler<RouteTlsPolicy> {
  @Override
  public PolicyKey<RouteTlsPolicy> key() {
    return RouteTlsPolicy.KEY;
  }

  @Override
  public @Nullable RouteTlsPolicy compile(Route route) {
    if (!route.hasTls()) {
      return null;
    }
    RouteTls tls = route.getTls();
    Redirect redirect =
        tls.getRedirectToHttps() && tls.getHttpsPort() != 0 ? toHttps(tls.getHttpsPort()) : null;
    return new RouteTlsPolicy(
        tls.getRedirectToHttps(), redirect, tls.hasHsts() ? hsts(tls.getHsts()) : null);
  }

  /** The redirect of a plain-HTTP request to the same URL over HTTPS on {@code port}. */
  public static Redirect toHttps(int port) {
    return new Redirect(
        RouteTlsPolicy.REDIRECT_STATUS, "https", null, port, PathRewrite.keep(), false);
  }

  private static HttpField hsts(Hsts hsts) {
    StringBuilder value = new StringBuilder("max-age=").append(hsts.getMaxAge().getSeconds());
    if (hsts.getIncludeSubdomains()) {
      value.append("; includeSubDomains");
    }
    if (hsts.getPreload()) {
      value.append("; preload");
    }
    return new PreEncodedHttpField(HttpHeader.STRICT_TRANSPORT_SECURITY, value.toString());
  }
}
