package dev.concierge.dataplane.jwt;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import com.nimbusds.jose.jwk.JWKSet;
import dev.concierge.api.rules.JwtAuthRules;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Compiles the snapshot's {@code jwt_auth} policies once each and gives each route one: the JWT
 * policy it names, else the fleet default's (the shared rules allow at most one of each). A policy
 * unchanged since the previous snapshot keeps its compiled keys; a jwks_uri with the same cache
 * duration keeps its fetched keys and schedule across snapshots (node-lifetime state), so a new
 * snapshot never makes requests wait for a fetch of keys the node already had. Thread-safe.
 */
public final class JwtAuthPolicyCompiler implements PolicyCompiler<JwtAuthPolicy> {
  private final JwksFetcher fetcher;
  private final LongSupplier nanoTime;
  private final ScheduledExecutorService scheduler;
  // The last snapshot's compiled policies and key sources: guarded by this.
  private Map<String, JwtAuthPolicy> last = Map.of();
  private Map<String, RemoteJwks> sources = Map.of();

  /** A compiler fetching with the JDK's HTTP client on the JVM's shared JWKS thread. */
  public JwtAuthPolicyCompiler() {
    this(JwksFetcher.http(Shared.CLIENT), System::nanoTime, Shared.SCHEDULER);
  }

  /** A compiler fetching with {@code fetcher}, refreshing on {@code scheduler} (tests). */
  JwtAuthPolicyCompiler(
      JwksFetcher fetcher, LongSupplier nanoTime, ScheduledExecutorService scheduler) {
    this.fetcher = requireNonNull(fetcher, "fetcher");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.scheduler = requireNonNull(scheduler, "scheduler");
  }

  @Override
  public PolicyKey<JwtAuthPolicy> key() {
    return JwtAuthPolicy.KEY;
  }

  /** Without a snapshot no policy is known: no route needs a token. */
  @Override
  public @Nullable JwtAuthPolicy compile(Route route) {
    return null;
  }

  @Override
  public synchronized PolicyCompiler<JwtAuthPolicy> forSnapshot(ConfigSnapshot snapshot) {
    Map<String, JwtAuthPolicy> policies = new HashMap<>();
    Map<String, RemoteJwks> used = new HashMap<>();
    JwtAuthPolicy fleetDefault = null;
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() != Policy.KindCase.JWT_AUTH) {
        continue;
      }
      JwtAuth config = policy.getJwtAuth();
      JwtAuthPolicy before = last.get(policy.getName());
      JwtAuthPolicy compiled;
      if (before != null && config.equals(before.config())) {
        compiled = before;
      } else {
        RemoteJwks remote = null;
        if (!config.getJwksUri().isEmpty()) {
          remote = used.computeIfAbsent(sourceKey(config), k -> source(config));
        }
        compiled = JwtAuthPolicy.of(policy.getName(), config, inlineKeys(config), remote);
      }
      RemoteJwks remote = compiled.remote();
      if (remote != null) {
        used.putIfAbsent(sourceKey(config), remote);
      }
      policies.put(policy.getName(), compiled);
      if (policy.getFleetDefault()) {
        fleetDefault = compiled;
      }
    }
    last = Map.copyOf(policies);
    sources = Map.copyOf(used);
    return new Bound(last, fleetDefault);
  }

  /** A source of the last snapshot for the same URI and cache duration, or a new started one. */
  private RemoteJwks source(JwtAuth config) {
    RemoteJwks kept = sources.get(sourceKey(config));
    if (kept != null) {
      return kept;
    }
    Duration cacheFor =
        Duration.ofMillis(
            Durations.toMillis(
                config.hasJwksCacheDuration()
                    ? config.getJwksCacheDuration()
                    : JwtAuthRules.DEFAULT_CACHE));
    return new RemoteJwks(URI.create(config.getJwksUri()), cacheFor, fetcher, nanoTime)
        .start(scheduler);
  }

  private static String sourceKey(JwtAuth config) {
    return config.getJwksUri()
        + " "
        + (config.hasJwksCacheDuration()
            ? Durations.toString(config.getJwksCacheDuration())
            : "default");
  }

  /** The keys of jwks and secret_jwks; the shared rules checked that both parse. */
  static KeyRing inlineKeys(JwtAuth config) {
    KeyRing keys = KeyRing.empty();
    try {
      if (!config.getJwks().isEmpty()) {
        keys = KeyRing.of(JWKSet.parse(config.getJwks()), false);
      }
      if (!config.getSecretJwks().isEmpty()) {
        keys = keys.plus(KeyRing.of(JWKSet.parse(config.getSecretJwks()), true));
      }
    } catch (ParseException e) {
      // Checked by the rules first; a set that still fails leaves its tokens refused.
    }
    return keys;
  }

  /** The compiler for the routes of one snapshot. */
  private record Bound(Map<String, JwtAuthPolicy> policies, @Nullable JwtAuthPolicy fleetDefault)
      implements PolicyCompiler<JwtAuthPolicy> {
    @Override
    public PolicyKey<JwtAuthPolicy> key() {
      return JwtAuthPolicy.KEY;
    }

    @Override
    public @Nullable JwtAuthPolicy compile(Route route) {
      for (String name : route.getPoliciesList()) {
        JwtAuthPolicy own = policies.get(name);
        if (own != null) {
          return own; // the route's own replaces the fleet default
        }
      }
      return fleetDefault;
    }
  }

  /** The JVM's JWKS client and refresh thread, made on first use. */
  private static final class Shared {
    static final HttpClient CLIENT =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    static final ScheduledExecutorService SCHEDULER =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "concierge-jwks-refresh");
              thread.setDaemon(true);
              return thread;
            });

    private Shared() {}
  }
}
