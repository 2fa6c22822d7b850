package dev.concierge.dataplane.tls;

import dev.concierge.dataplane.answer.Redirect;
import dev.concierge.dataplane.chain.PolicyKey;
import org.eclipse.jetty.http.HttpField;
import org.jspecify.annotations.Nullable;

/**
 * A route's compiled TLS policy: whether plain-HTTP requests are redirected to HTTPS (308, so the
 * method and body are kept), to which port, and the Strict-Transport-Security field added to
 * answers sent over HTTPS. Immutable.
 *
 * @param redirectToHttps whether plain-HTTP requests get a redirect
 * @param redirect the redirect to a configured port, or null for the node's own HTTPS port
 * @param hsts the header field to add over HTTPS, or null
 */
public record RouteTlsPolicy(
    boolean redirectToHttps, @Nullable Redirect redirect, @Nullable HttpField hsts) {
  /** Status of the HTTPS redirect: 308 keeps the method and the body (RFC 9110 §15.4.9). */
  public static final int REDIRECT_STATUS = 308;

  /** A route without a TLS policy. */
  public static final RouteTlsPolicy NONE = new RouteTlsPolicy(false, null, null);

  /** The slot of this policy in every route's policy set. */
  public static final PolicyKey<RouteTlsPolicy> KEY =
      PolicyKey.of("tls", RouteTlsPolicy.class, NONE);
}
