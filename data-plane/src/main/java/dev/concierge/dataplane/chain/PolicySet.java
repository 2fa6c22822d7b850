package dev.concierge.dataplane.chain;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * The compiled policies of one route, one per {@link PolicyKey}; a kind the route does not
 * configure answers the key's null object. Immutable and thread-safe; {@link #get} is an array
 * read, so a stage whose policy is "none" costs a route nothing measurable.
 */
public final class PolicySet {
  private static final PolicySet EMPTY = new PolicySet(new Object[0]);

  private final Object[] slots;

  private PolicySet(Object[] slots) {
    this.slots = slots;
  }

  /** A set in which every kind is its null object. */
  public static PolicySet empty() {
    return EMPTY;
  }

  /** A builder of a new set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The route's policy of kind {@code key}, or the key's null object. */
  @SuppressWarnings("unchecked")
  public <P> P get(PolicyKey<P> key) {
    int index = key.index;
    Object value = index < slots.length ? slots[index] : null;
    return value != null ? (P) value : key.none();
  }

  /** Builds a {@link PolicySet}; not thread-safe. */
  public static final class Builder {
    private Object[] slots = new Object[8];

    private Builder() {}

    /** Sets the policy of kind {@code key}. */
    public <P> Builder put(PolicyKey<P> key, P policy) {
      requireNonNull(policy, "policy");
      if (key.index >= slots.length) {
        slots = Arrays.copyOf(slots, Math.max(key.index + 1, slots.length * 2));
      }
      slots[key.index] = key.cast(policy);
      return this;
    }

    /** The immutable set. */
    public PolicySet build() {
      int length = slots.length;
      while (length > 0 && slots[length - 1] == null) {
        length--;
      }
      return length == 0 ? EMPTY : new PolicySet(Arrays.copyOf(slots, length));
    }
  }
}
