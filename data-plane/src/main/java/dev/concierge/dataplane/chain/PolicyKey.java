package dev.concierge.dataplane.chain;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names one kind of per-route policy, its type and its null object (what a route without the policy
 * gets). Keys are constants of their feature package; each has a slot index in every {@link
 * PolicySet}, so a stage finds its policy with one array read. Thread-safe.
 */
public final class PolicyKey<P> {
  private static final AtomicInteger NEXT = new AtomicInteger();

  final int index;
  private final String name;
  private final Class<P> type;
  private final P none;

  private PolicyKey(String name, Class<P> type, P none) {
    this.name = requireNonNull(name, "name");
    this.type = requireNonNull(type, "type");
    this.none = requireNonNull(none, "none");
    this.index = NEXT.getAndIncrement();
  }

  /** A new key; call once per policy kind, into a {@code static final} field. */
  public static <P> PolicyKey<P> of(String name, Class<P> type, P none) {
    return new PolicyKey<>(name, type, none);
  }

  /** The policy of a route that has none of this kind. */
  public P none() {
    return none;
  }

  /** The policy kind's name, for messages. */
  public String name() {
    return name;
  }

  P cast(Object value) {
    return type.cast(value);
  }

  @Override
  public String toString() {
    return name;
  }
}
