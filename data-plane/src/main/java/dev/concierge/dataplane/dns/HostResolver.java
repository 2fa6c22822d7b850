package dev.concierge.dataplane.dns;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.IpLiterals;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node-lifetime resolver of endpoint host names. A name is looked up when a runtime first names it
 * and again every refresh period, on threads of its own (never a selector's or a request's); the
 * request path only reads the {@link ResolvedHost} it was given at compile time. A failed lookup
 * keeps the last good addresses; a name never resolved has none, and a try to it fails at once as a
 * connect failure ("upstream host not resolved"). IP literals are never looked up.
 *
 * <p>The JDK's own cache of lookups still applies underneath; the node sets its TTL to the refresh
 * period ({@code networkaddress.cache.ttl}, see the data-plane command). Thread-safe.
 */
public final class HostResolver implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostResolver.class);

  /** The lookup of one name; {@link InetAddress#getAllByName} outside tests. */
  @FunctionalInterface
  public interface Lookup {
    /** All addresses of {@code host}; blocks. */
    InetAddress[] lookup(String host) throws UnknownHostException;
  }

  private final Lookup lookup;
  private final @Nullable ScheduledExecutorService executor;
  private final ConcurrentHashMap<String, Entry> names = new ConcurrentHashMap<>();
  // Names whose last lookup failed: warned about once, until one succeeds again.
  private final Set<String> failing = ConcurrentHashMap.newKeySet();

  /** A name and its first lookup, which a new runtime may wait for a little. */
  private record Entry(ResolvedHost host, CompletableFuture<Void> first) {}

  private HostResolver(Lookup lookup, @Nullable ScheduledExecutorService executor) {
    this.lookup = requireNonNull(lookup, "lookup");
    this.executor = executor;
  }

  /**
   * A resolver with one thread of its own ({@code concierge-dns}) that looks names up and again
   * every {@code refresh}.
   */
  public static HostResolver async(Duration refresh, Lookup lookup) {
    if (refresh.isNegative() || refresh.isZero()) {
      throw new IllegalArgumentException("refresh must be positive: " + refresh);
    }
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "concierge-dns");
              thread.setDaemon(true);
              return thread;
            });
    executor.setRemoveOnCancelPolicy(true);
    HostResolver resolver = new HostResolver(lookup, executor);
    long millis = refresh.toMillis();
    // Runs until close(); refreshAll never throws, so the future holds nothing to look at.
    var unused =
        executor.scheduleWithFixedDelay(
            resolver::refreshAll, millis, millis, TimeUnit.MILLISECONDS);
    return resolver;
  }

  /**
   * A resolver that looks a name up on the calling thread when it is first named, and never again
   * (tests and tools, whose runtimes are compiled off the request path).
   */
  public static HostResolver onCaller() {
    return new HostResolver(InetAddress::getAllByName, null);
  }

  /** The addresses of {@code host}, a literal or a name (its lookup started if new). */
  public ResolvedHost host(String host) {
    String bare =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (IpLiterals.isIpv4(bare) || IpLiterals.isIpv6(bare)) {
      try {
        return ResolvedHost.literal(host, InetAddress.getByName(bare)); // a literal: no lookup
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("not an IP literal: " + host, e);
      }
    }
    String name = host.toLowerCase(Locale.ROOT);
    Entry existing = names.get(name);
    if (existing != null) {
      return existing.host();
    }
    Entry created = new Entry(ResolvedHost.name(name), new CompletableFuture<>());
    Entry raced = names.putIfAbsent(name, created);
    if (raced != null) {
      return raced.host();
    }
    if (executor == null) {
      resolve(created);
    } else {
      try {
        executor.execute(() -> resolve(created));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        created.first().complete(null); // closed: stays unresolved
      }
    }
    return created.host();
  }

  /**
   * Waits up to {@code max} for the first lookup of each of {@code hosts} (a new cluster's names),
   * so that its first requests find them resolved; returns whether all finished.
   */
  public boolean awaitFirstLookups(Collection<ResolvedHost> hosts, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    for (ResolvedHost host : hosts) {
      if (host.isLiteral() || host.isResolved()) {
        continue;
      }
      Entry entry = names.get(host.name());
      if (entry == null) {
        continue;
      }
      try {
        entry.first().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (ExecutionException e) {
        // a lookup never completes exceptionally
      }
    }
    return true;
  }

  /** Forgets the names not in {@code inUse} (lower case). */
  public void retain(Set<String> inUse) {
    names.keySet().retainAll(inUse);
    failing.retainAll(inUse);
  }

  /** Looks every known name up again. */
  void refreshAll() {
    names.values().forEach(this::resolve);
  }

  private void resolve(Entry entry) {
    ResolvedHost host = entry.host();
    try {
      InetAddress[] addresses = lookup.lookup(host.name());
      host.update(addresses);
      if (failing.remove(host.name())) {
        LOG.info("resolved endpoint host {} again", host);
      }
      LOG.debug("resolved {}", host);
    } catch (UnknownHostException | RuntimeException e) {
      if (!failing.add(host.name())) {
        LOG.debug("still cannot resolve {}: {}", host, e.toString());
      } else if (host.isResolved()) {
        LOG.warn("could not resolve {} again, keeping its last addresses: {}", host, e.toString());
      } else {
        LOG.warn("could not resolve endpoint host {}: {}", host.name(), e.toString());
      }
    } finally {
      entry.first().complete(null);
    }
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
