package dev.concierge.dataplane.chain;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The snapshot's {@code policies/{id}} of one kind, compiled once each and shared by the routes
 * that name them: what a {@link PolicyCompiler#forSnapshot} of a policy kind does. A policy whose
 * settings equal the previous snapshot's keeps its compiled object (and whatever node-lifetime
 * state it holds: buckets, counters, a sorted list); the fleet defaults are collected; {@link
 * InForce} then tells each route which compiled policies apply to it. Thread-safe: {@link #compile}
 * runs on the config thread, one snapshot at a time.
 *
 * @param <S> the policy's settings (its oneof member), compared with {@code equals}
 * @param <R> the compiled form
 */
public final class SharedPolicies<S, R> {
  private final Policy.KindCase kind;
  private final Function<Policy, S> settings;
  private final BiFunction<String, S, R> compiler;
  // What the last snapshot compiled, by policy name.
  private volatile Map<String, Compiled<S, R>> last = Map.of();

  private record Compiled<T, C>(T settings, C compiled) {}

  private SharedPolicies(
      Policy.KindCase kind, Function<Policy, S> settings, BiFunction<String, S, R> compiler) {
    this.kind = requireNonNull(kind, "kind");
    this.settings = requireNonNull(settings, "settings");
    this.compiler = requireNonNull(compiler, "compiler");
  }

  /**
   * The policies of {@code kind}, whose settings {@code settings} reads from a policy and {@code
   * compiler} compiles (given the policy's name and settings, which passed the shared rules).
   */
  public static <S, R> SharedPolicies<S, R> of(
      Policy.KindCase kind, Function<Policy, S> settings, BiFunction<String, S, R> compiler) {
    return new SharedPolicies<>(kind, settings, compiler);
  }

  /** Whether {@code snapshot} has a policy of {@code kind}. */
  public static boolean has(ConfigSnapshot snapshot, Policy.KindCase kind) {
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() == kind) {
        return true;
      }
    }
    return false;
  }

  /** Compiles the policies of this kind in {@code snapshot}, keeping those that did not change. */
  public InForce<R> compile(ConfigSnapshot snapshot) {
    Map<String, Compiled<S, R>> previous = last;
    Map<String, Compiled<S, R>> compiled = new HashMap<>();
    Map<String, R> byName = new HashMap<>();
    List<R> defaults = new ArrayList<>();
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() != kind) {
        continue;
      }
      S now = settings.apply(policy);
      Compiled<S, R> before = previous.get(policy.getName());
      Compiled<S, R> kept =
          before != null && before.settings.equals(now)
              ? before
              : new Compiled<>(now, compiler.apply(policy.getName(), now));
      compiled.put(policy.getName(), kept);
      byName.put(policy.getName(), kept.compiled);
      if (policy.getFleetDefault()) {
        defaults.add(kept.compiled);
      }
    }
    last = Map.copyOf(compiled);
    return new InForce<>(byName, defaults);
  }

  /** The compiled policies of one snapshot. Immutable, thread-safe. */
  public static final class InForce<R> {
    private final Map<String, R> byName;
    private final List<R> defaults;

    private InForce(Map<String, R> byName, List<R> defaults) {
      this.byName = Map.copyOf(byName);
      this.defaults = List.copyOf(defaults);
    }

    /** Every compiled policy of the snapshot, by policy name. */
    public Map<String, R> byName() {
      return byName;
    }

    /** The fleet defaults, in snapshot order. */
    public List<R> defaults() {
      return defaults;
    }

    /**
     * Every policy that applies to {@code route}: the fleet defaults first, then the route's own in
     * its order; a policy named twice counts once.
     */
    public List<R> applied(Route route) {
      Set<R> applied = new LinkedHashSet<>(defaults);
      for (String name : route.getPoliciesList()) {
        // SnapshotRules, checked first, refuse a route that names a policy the snapshot lacks;
        // the names of other kinds find nothing here.
        R policy = byName.get(requireNonNull(name, "name"));
        if (policy != null) {
          applied.add(policy);
        }
      }
      return List.copyOf(applied);
    }

    /**
     * The one policy of {@code route} for a kind a route has at most one of: the first it names,
     * else the first fleet default, else null.
     */
    public @Nullable R oneOf(Route route) {
      for (String name : route.getPoliciesList()) {
        R own = byName.get(name);
        if (own != null) {
          return own; // the route's own replaces the fleet default
        }
      }
      return defaults.isEmpty() ? null : defaults.get(0);
    }
  }
}
