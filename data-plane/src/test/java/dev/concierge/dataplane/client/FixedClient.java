package dev.concierge.dataplane.client;

import dev.concierge.api.v1.DeviceClass;

/**
 * A request's client for tests: an address and whether its peer is trusted; a desktop in no known
 * country, at the epoch.
 */
public record FixedClient(ClientAddress clientAddress, boolean peerTrusted) implements ClientFacts {
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
