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
import dev.concierge.dataplane.chain.SharedPolicies;
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
  private final SharedPolicies<JwtAuth, JwtAuthPolicy> policies =
      SharedPolicies.of(Policy.KindCase.JWT_AUTH, Policy::getJwtAuth, this::compilePolicy);
  // The key sources of the last snapshot, by URI and cache duration: guarded by this.
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
    SharedPolicies.InForce<JwtAuthPolicy> inForce = policies.compile(snapshot);
    Map<String, RemoteJwks> used = new HashMap<>();
    for (JwtAuthPolicy policy : inForce.byName().values()) {
      RemoteJwks remote = policy.remote();
      JwtAuth config = policy.config();
      if (remote != null && config != null) {
        used.putIfAbsent(sourceKey(config), remote);
      }
    }
    sources = Map.copyOf(used);
    return new Bound(inForce);
  }

  /** A changed or new policy, its jwks_uri's keys shared with the policies fetching the same. */
  private JwtAuthPolicy compilePolicy(String name, JwtAuth config) {
    RemoteJwks remote = config.getJwksUri().isEmpty() ? null : source(config);
    return JwtAuthPolicy.of(name, config, inlineKeys(config), remote);
  }

  /**
   * A source of the last snapshot (or of a policy compiled before in this one) for the same URI and
   * cache duration, or a new started one.
   */
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
    RemoteJwks started =
        new RemoteJwks(URI.create(config.getJwksUri()), cacheFor, fetcher, nanoTime)
            .start(scheduler);
    Map<String, RemoteJwks> more = new HashMap<>(sources);
    more.put(sourceKey(config), started);
    sources = Map.copyOf(more);
    return started;
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
  private record Bound(SharedPolicies.InForce<JwtAuthPolicy> policies)
      implements PolicyCompiler<JwtAuthPolicy> {
    @Override
    public PolicyKey<JwtAuthPolicy> key() {
      return JwtAuthPolicy.KEY;
    }

    @Override
    public @Nullable JwtAuthPolicy compile(Route route) {
      return policies.oneOf(route);
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
