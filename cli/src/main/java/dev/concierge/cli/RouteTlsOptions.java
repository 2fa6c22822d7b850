package dev.concierge.cli;

import com.google.protobuf.Duration;
import dev.concierge.api.v1.Hsts;
import dev.concierge.api.v1.RouteTls;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code route create|update} options of a route's TLS policy: redirect plain HTTP to HTTPS, and
 * HSTS. Only what is given is applied, onto the stored policy on update.
 */
final class RouteTlsOptions {
  @Option(
      names = "--redirect-to-https",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Answer plain-HTTP requests with 308 to the same URL over HTTPS (default false).")
  @Nullable Boolean redirectToHttps;

  @Option(
      names = "--https-redirect-port",
      paramLabel = "PORT",
      description = "Port of the HTTPS redirect (default: the node's HTTPS port; 443 is omitted).")
  @Nullable Integer httpsPort;

  @Option(
      names = "--hsts-max-age",
      paramLabel = "DURATION",
      converter = Durations.HstsMaxAgeConverter.class,
      description =
          "Send Strict-Transport-Security with this max-age on answers over HTTPS, e.g. 365d.")
  @Nullable Duration hstsMaxAge;

  @Option(
      names = "--hsts-include-subdomains",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description = "HSTS covers subdomains too (needs --hsts-max-age).")
  @Nullable Boolean includeSubdomains;

  @Option(
      names = "--hsts-preload",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description = "Ask for the browsers' HSTS preload list (needs subdomains and 1 year).")
  @Nullable Boolean preload;

  @Option(names = "--no-hsts", description = "Stop sending Strict-Transport-Security (update).")
  boolean noHsts;

  @Option(names = "--no-tls-policy", description = "Drop the route's TLS policy (update).")
  boolean noPolicy;

  /** Whether any option was given. */
  boolean given() {
    return redirectToHttps != null
        || httpsPort != null
        || hstsMaxAge != null
        || includeSubdomains != null
        || preload != null
        || noHsts
        || noPolicy;
  }

  /** A usage problem of the combination, or null. */
  @Nullable String conflict() {
    if (noPolicy && (given() && !onlyNoPolicy())) {
      return "--no-tls-policy cannot be combined with other TLS policy options";
    }
    if (noHsts && (hstsMaxAge != null || includeSubdomains != null || preload != null)) {
      return "--no-hsts cannot be combined with other --hsts-* options";
    }
    return null;
  }

  private boolean onlyNoPolicy() {
    return redirectToHttps == null
        && httpsPort == null
        && hstsMaxAge == null
        && includeSubdomains == null
        && preload == null
        && !noHsts;
  }

  /** The policy with what was given applied onto {@code current}; null to drop it. */
  @Nullable RouteTls applyTo(RouteTls current) {
    if (noPolicy) {
      return null;
    }
    RouteTls.Builder tls = current.toBuilder();
    if (redirectToHttps != null) {
      tls.setRedirectToHttps(redirectToHttps);
    }
    if (httpsPort != null) {
      tls.setHttpsPort(httpsPort);
    }
    if (noHsts) {
      tls.clearHsts();
    } else if (hstsMaxAge != null || includeSubdomains != null || preload != null) {
      Hsts.Builder hsts = tls.getHsts().toBuilder();
      if (hstsMaxAge != null) {
        hsts.setMaxAge(hstsMaxAge);
      }
      if (includeSubdomains != null) {
        hsts.setIncludeSubdomains(includeSubdomains);
      }
      if (preload != null) {
        hsts.setPreload(preload);
      }
      tls.setHsts(hsts);
    }
    return tls.build();
  }
}
