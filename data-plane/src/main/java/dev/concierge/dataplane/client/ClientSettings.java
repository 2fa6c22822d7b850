package dev.concierge.dataplane.client;

import static java.util.Objects.requireNonNull;

import java.time.InstantSource;

/**
 * The node's settings for what it learns about a client beyond the request's bytes. Immutable.
 *
 * @param trustedProxies whose X-Forwarded-For (and geo header) the node believes
 * @param geo where a client's country comes from
 * @param clock the time of time-window matches ({@link InstantSource#system()} outside tests)
 */
public record ClientSettings(TrustedProxies trustedProxies, GeoLocator geo, InstantSource clock) {
  private static final ClientSettings DEFAULTS =
      new ClientSettings(TrustedProxies.none(), GeoLocator.none(), InstantSource.system());

  public ClientSettings {
    requireNonNull(trustedProxies, "trustedProxies");
    requireNonNull(geo, "geo");
    requireNonNull(clock, "clock");
  }

  /** Nobody trusted, no geo, the system clock. */
  public static ClientSettings defaults() {
    return DEFAULTS;
  }
}
