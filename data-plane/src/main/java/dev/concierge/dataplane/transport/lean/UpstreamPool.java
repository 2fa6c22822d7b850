package dev.concierge.dataplane.transport.lean;

import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Idle keep-alive connections to one endpoint, opened on one selector. Bounded; lock-free: a
 * connection sits in at most one slot, taken and put back with compare-and-set, so acquisition is
 * safe from any thread (a request may start on a pool thread) while all I/O of the pooled
 * connections stays on the selector thread. Low slots are preferred, so the busiest connections are
 * reused and the rest reach their idle timeout.
 */
final class UpstreamPool {
  private final AtomicReferenceArray<UpstreamConnection> slots;
  // The pools of TLS connections to the same endpoint, one per TLS policy (a plain endpoint's
  // pool never creates this map).
  private volatile @Nullable ConcurrentHashMap<UpstreamTlsPolicy, UpstreamPool> tls;

  UpstreamPool(int maxIdle) {
    this.slots = new AtomicReferenceArray<>(maxIdle);
  }

  /**
   * The pool of this endpoint's connections under {@code policy}: TLS connections are never handed
   * to a plain cluster, nor to one that trusts or presents differently.
   */
  UpstreamPool tls(UpstreamTlsPolicy policy) {
    ConcurrentHashMap<UpstreamTlsPolicy, UpstreamPool> pools = tls;
    if (pools == null) {
      synchronized (this) {
        pools = tls;
        if (pools == null) {
          pools = new ConcurrentHashMap<>();
          tls = pools;
        }
      }
    }
    UpstreamPool pool = pools.get(policy);
    return pool != null
        ? pool
        : pools.computeIfAbsent(policy, p -> new UpstreamPool(slots.length()));
  }

  /** The pool under {@code policy} if there is one. */
  @Nullable UpstreamPool existingTls(UpstreamTlsPolicy policy) {
    ConcurrentHashMap<UpstreamTlsPolicy, UpstreamPool> pools = tls;
    return pools == null ? null : pools.get(policy);
  }

  /**
   * Drops the TLS pools of policies not in {@code inForce}, closing their idle connections; one in
   * use finishes its request, is parked in the dropped pool and closes at its idle timeout.
   */
  void retainTls(java.util.Set<UpstreamTlsPolicy> inForce) {
    ConcurrentHashMap<UpstreamTlsPolicy, UpstreamPool> pools = tls;
    if (pools == null) {
      return;
    }
    for (var it = pools.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (!inForce.contains(entry.getKey())) {
        it.remove();
        for (UpstreamConnection idle = entry.getValue().acquire();
            idle != null;
            idle = entry.getValue().acquire()) {
          idle.close();
        }
      }
    }
  }

  /** An idle connection, now owned by the caller, or {@code null}. */
  @Nullable UpstreamConnection acquire() {
    int length = slots.length();
    for (int i = 0; i < length; i++) {
      UpstreamConnection connection = slots.get(i);
      if (connection != null
          && slots.compareAndSet(i, connection, null)
          && connection.tryAcquire()) {
        return connection;
      }
    }
    return null;
  }

  /** Parks an idle connection; false when the pool is full (the caller closes it). */
  boolean offer(UpstreamConnection connection) {
    int length = slots.length();
    for (int i = 0; i < length; i++) {
      if (slots.get(i) == null && slots.compareAndSet(i, null, connection)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code connection} sits in a slot. */
  boolean contains(UpstreamConnection connection) {
    int length = slots.length();
    for (int i = 0; i < length; i++) {
      if (slots.get(i) == connection) {
        return true;
      }
    }
    return false;
  }

  /** Forgets a connection that closed while idle. */
  void remove(UpstreamConnection connection) {
    int length = slots.length();
    for (int i = 0; i < length; i++) {
      if (slots.get(i) == connection && slots.compareAndSet(i, connection, null)) {
        return;
      }
    }
  }

  /** The idle connections right now (tests). */
  java.util.List<UpstreamConnection> idleConnections() {
    java.util.List<UpstreamConnection> list = new java.util.ArrayList<>();
    for (int i = 0; i < slots.length(); i++) {
      UpstreamConnection c = slots.get(i);
      if (c != null) {
        list.add(c);
      }
    }
    return list;
  }

  /** Idle connections right now (tests, dumps). */
  int idle() {
    int n = 0;
    for (int i = 0; i < slots.length(); i++) {
      if (slots.get(i) != null) {
        n++;
      }
    }
    return n;
  }
}
