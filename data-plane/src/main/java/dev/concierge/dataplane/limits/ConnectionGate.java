package dev.concierge.dataplane.limits;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Admits each client connection of the node's listeners as it is accepted, before any byte is read:
 * at most {@link ListenerLimits#maxConnectionsPerAddress()} open per client address and {@link
 * ListenerLimits#maxConnections()} in all. One gate per node, shared by its listeners, living as
 * long as the node; the limits are swapped in with each configuration.
 *
 * <p>Open connections are counted whether or not a limit is set, so that limits that arrive with a
 * new configuration count the connections already open. A lowered limit closes nothing: it refuses
 * new connections until enough have closed. Each address has an {@link AtomicInteger} in a {@link
 * ConcurrentHashMap}, removed when its last connection closes (memory follows the connections open,
 * not the addresses ever seen); a count that reached zero is retired before its removal, so a
 * connection arriving meanwhile never counts on a count that is no longer in the map. Thread-safe
 * and lock-free.
 */
public final class ConnectionGate {
  // A count whose address had no connection left and which is leaving the map.
  private static final int RETIRED = Integer.MIN_VALUE;

  private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress =
      new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();
  private volatile ListenerLimits limits = ListenerLimits.NONE;

  /** Puts {@code next} in force for the connections accepted from now on. */
  public void apply(ListenerLimits next) {
    this.limits = requireNonNull(next, "next");
  }

  /** The limits in force. */
  public ListenerLimits limits() {
    return limits;
  }

  /**
   * Admits a connection from {@code address}, or counts why not on {@code refused} and returns
   * {@code null}; the caller then closes the connection.
   */
  public @Nullable Admission admit(InetAddress address, LimitCounters refused) {
    ListenerLimits in = limits;
    AtomicInteger count = enter(address, in.maxConnectionsPerAddress());
    if (count == null) {
      refused.count(Refusal.PER_ADDRESS);
      return null;
    }
    if (!enterNode(in.maxConnections())) {
      leave(address, count);
      refused.count(Refusal.PER_NODE);
      return null;
    }
    return new Admission(this, address, count);
  }

  /** Connections admitted and not yet released. */
  public int open() {
    return open.get();
  }

  /** Connections of {@code address} admitted and not yet released. */
  public int open(InetAddress address) {
    AtomicInteger count = perAddress.get(address);
    int n = count == null ? 0 : count.get();
    return Math.max(n, 0);
  }

  /** Addresses with a connection open (tests: nothing leaks). */
  public int addresses() {
    return perAddress.size();
  }

  private @Nullable AtomicInteger enter(InetAddress address, int max) {
    while (true) {
      AtomicInteger count = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
      int n = count.get();
      if (n == RETIRED) {
        // Its last connection closed a moment ago: help it out of the map, then take a new one.
        perAddress.remove(address, count);
        continue;
      }
      if (max > 0 && n >= max) {
        return null;
      }
      if (count.compareAndSet(n, n + 1)) {
        return count;
      }
    }
  }

  private boolean enterNode(int max) {
    while (true) {
      int n = open.get();
      if (max > 0 && n >= max) {
        return false;
      }
      if (open.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  private void leave(InetAddress address, AtomicInteger count) {
    if (count.decrementAndGet() == 0 && count.compareAndSet(0, RETIRED)) {
      perAddress.remove(address, count);
    }
  }

  /** One admitted connection's place at the gate, given back once when it closes. */
  public static final class Admission {
    private final ConnectionGate gate;
    private final InetAddress address;
    private final AtomicInteger count;
    private final AtomicBoolean released = new AtomicBoolean();

    private Admission(ConnectionGate gate, InetAddress address, AtomicInteger count) {
      this.gate = gate;
      this.address = address;
      this.count = count;
    }

    /** The client address admitted. */
    public InetAddress address() {
      return address;
    }

    /** Gives the place back; later calls do nothing (a connection may report its end twice). */
    public void release() {
      if (released.compareAndSet(false, true)) {
        gate.leave(address, count);
        gate.open.decrementAndGet();
      }
    }
  }
}
