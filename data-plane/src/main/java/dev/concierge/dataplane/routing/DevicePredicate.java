package dev.concierge.dataplane.routing;

import dev.concierge.api.v1.DeviceClass;
import dev.concierge.dataplane.client.ClientFacts;
import java.util.List;

/** The User-Agent's device class is one of a route's. Immutable, thread-safe. */
public final class DevicePredicate extends ClientPredicate {
  private final int classes; // bit per DeviceClass number

  private DevicePredicate(int classes) {
    this.classes = classes;
  }

  /** The predicate of classes that passed the rules. */
  public static DevicePredicate of(List<DeviceClass> devices) {
    int bits = 0;
    for (DeviceClass device : devices) {
      bits |= 1 << device.getNumber();
    }
    return new DevicePredicate(bits);
  }

  @Override
  boolean test(ClientFacts client) {
    return (classes & (1 << client.deviceClass().getNumber())) != 0;
  }

  @Override
  public String toString() {
    return "devices " + Integer.toBinaryString(classes);
  }
}
