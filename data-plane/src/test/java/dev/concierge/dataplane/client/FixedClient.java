package dev.concierge.dataplane.client;

import dev.concierge.api.v1.DeviceClass;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request's client for tests: an address, whether its peer is trusted, and what authentication
 * proved (a consumer, JWT claims as text); a desktop in no known country, at the epoch.
 */
public record FixedClient(
    ClientAddress clientAddress,
    boolean peerTrusted,
    @Nullable String consumer,
    Map<String, String> claims)
    implements ClientFacts {
  /** An unauthenticated client. */
  public FixedClient(ClientAddress clientAddress, boolean peerTrusted) {
    this(clientAddress, peerTrusted, null, Map.of());
  }

  @Override
  public @Nullable String claim(String name) {
    return claims.get(name);
  }

  @Override
  public DeviceClass deviceClass() {
    return DeviceClass.DESKTOP;
  }

  @Override
  public String country() {
    return "ZZ";
  }

  @Override
  public long currentTimeMillis() {
    return 0;
  }
}
