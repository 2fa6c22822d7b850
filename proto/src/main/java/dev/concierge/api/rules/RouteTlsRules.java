package dev.concierge.api.rules;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Hsts;
import dev.concierge.api.v1.RouteTls;

/** The rules of a route's TLS policy (redirect to HTTPS, HSTS). */
public final class RouteTlsRules {
  /** Largest HSTS max-age: two years, the HSTS preload list's recommendation. */
  public static final com.google.protobuf.Duration MAX_HSTS_AGE = Durations.fromDays(2 * 365);

  /** Smallest max-age the preload list accepts: one year. */
  public static final com.google.protobuf.Duration MIN_PRELOAD_AGE = Durations.fromDays(365);

  private RouteTlsRules() {}

  /**
   * Tells {@code sink} every broken field of {@code tls}, under {@code prefix} (e.g. "route.tls").
   */
  public static void check(RouteTls tls, String prefix, ViolationSink sink) {
    if (tls.getHttpsPort() > 65_535) {
      sink.add(prefix + ".https_port", "must be 1-65535 (0: the node's HTTPS port)");
    }
    if (tls.getHttpsPort() != 0 && !tls.getRedirectToHttps()) {
      sink.add(prefix + ".https_port", "only applies with redirect_to_https");
    }
    if (tls.hasHsts()) {
      Hsts hsts = tls.getHsts();
      String field = prefix + ".hsts.max_age";
      if (!hsts.hasMaxAge()) {
        sink.add(field, "required: how long browsers keep to HTTPS, e.g. 31536000s");
      } else if (Durations.toNanos(hsts.getMaxAge()) % 1_000_000_000L != 0) {
        sink.add(field, "must be whole seconds");
      } else {
        FieldChecks.positiveAtMost(hsts.getMaxAge(), MAX_HSTS_AGE, field, sink);
      }
      if (hsts.getPreload()) {
        // The preload list refuses a policy that misses either (hstspreload.org).
        if (!hsts.getIncludeSubdomains()) {
          sink.add(prefix + ".hsts.preload", "needs include_subdomains");
        }
        if (hsts.hasMaxAge() && Durations.compare(hsts.getMaxAge(), MIN_PRELOAD_AGE) < 0) {
          sink.add(prefix + ".hsts.preload", "needs a max_age of at least one year (31536000s)");
        }
      }
    }
  }
}
