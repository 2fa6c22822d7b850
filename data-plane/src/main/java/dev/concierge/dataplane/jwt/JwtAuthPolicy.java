package dev.concierge.dataplane.jwt;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.dataplane.chain.PolicyKey;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A route's compiled JWT policy: where the token is, the checks ({@link JwtVerifier}), the keys
 * (inline, and those fetched from the policy's jwks_uri), and what the request sent upstream looks
 * like once a token passed (credential stripped unless forward_token; claim headers set, client
 * copies of them dropped). The null object admits everything. Its settings are immutable; it keeps
 * a bounded cache of the tokens it verified ({@link VerifiedTokens}). Thread-safe.
 */
public final class JwtAuthPolicy {
  /** How long a request waits (asynchronously) for a key set being fetched. */
  static final long KEY_WAIT_MILLIS = 2_000;

  private static final JwtAuthPolicy NONE = new JwtAuthPolicy();

  /** The policy kind's key; routes without a JWT policy get the null object. */
  public static final PolicyKey<JwtAuthPolicy> KEY =
      PolicyKey.of("jwt_auth", JwtAuthPolicy.class, NONE);

  /** A claim sent upstream as a request header. */
  private record ClaimHeader(String claim, String header) {}

  private final String name;
  private final @Nullable JwtAuth config;
  private final @Nullable JwtVerifier verifier;
  private final KeyRing inline;
  private final @Nullable RemoteJwks remote;
  private final @Nullable TokenLocation location;
  private final boolean forwardToken;
  private final List<ClaimHeader> claimHeaders;
  private final String challenge;
  private final VerifiedTokens verified = new VerifiedTokens();

  private JwtAuthPolicy() {
    this.name = "";
    this.config = null;
    this.verifier = null;
    this.inline = KeyRing.empty();
    this.remote = null;
    this.location = null;
    this.forwardToken = true;
    this.claimHeaders = List.of();
    this.challenge = "";
  }

  private JwtAuthPolicy(String name, JwtAuth config, KeyRing inline, @Nullable RemoteJwks remote) {
    this.name = requireNonNull(name, "name");
    this.config = config;
    this.verifier = new JwtVerifier(config);
    this.inline = requireNonNull(inline, "inline");
    this.remote = remote;
    this.location = TokenLocation.of(config.getTokenSource());
    this.forwardToken = config.getForwardToken();
    List<ClaimHeader> headers = new ArrayList<>();
    config.getClaimsToHeadersMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> headers.add(new ClaimHeader(e.getKey(), e.getValue())));
    this.claimHeaders = List.copyOf(headers);
    String realm = config.getRealm().isEmpty() ? "concierge" : config.getRealm();
    this.challenge = "Bearer realm=\"" + realm + "\"";
  }

  /**
   * The compiled policy {@code name}.
   *
   * @param inline the keys of its jwks and secret_jwks
   * @param remote the keys of its jwks_uri, or null when it has none
   */
  static JwtAuthPolicy of(
      String name, JwtAuth config, KeyRing inline, @Nullable RemoteJwks remote) {
    return new JwtAuthPolicy(name, requireNonNull(config, "config"), inline, remote);
  }

  /**
   * A policy {@code name} checking tokens against its inline keys only ({@code jwks}, {@code
   * secret_jwks}; a jwks_uri is not fetched): for benchmarks and tools.
   */
  public static JwtAuthPolicy inline(String name, JwtAuth config) {
    return of(name, config, JwtAuthPolicyCompiler.inlineKeys(config), null);
  }

  /** The null object: no JWT required. */
  public static JwtAuthPolicy none() {
    return NONE;
  }

  /** Whether this is the null object. */
  public boolean isNone() {
    return this == NONE;
  }

  /** The policy's name ("policies/api-jwt"). */
  public String name() {
    return name;
  }

  /** The settings it was compiled from. */
  @Nullable JwtAuth config() {
    return config;
  }

  /** The jwks_uri key source, or null. */
  @Nullable RemoteJwks remote() {
    return remote;
  }

  /** The request's token, or null when it sent none where the policy looks. */
  @Nullable String token(Request request) {
    return requireNonNull(location, "location").token(request);
  }

  /**
   * Checks {@code token} at {@code nowMillis} against the inline and fetched keys; a token this
   * policy verified before with the same key set skips the signature check (not the claims).
   */
  JwtVerifier.Outcome verify(String token, long nowMillis) {
    RemoteJwks source = remote;
    KeyRing fetched = source == null ? null : source.keys();
    JwtVerifier checks = requireNonNull(verifier, "verifier");
    VerifiedTokens.Entry known = verified.find(token, fetched);
    if (known != null) {
      return checks.claims(known.claims(), nowMillis);
    }
    JwtVerifier.Outcome outcome = checks.verify(token, keys(fetched), nowMillis);
    if (outcome instanceof JwtVerifier.Verified passed) {
      verified.put(token, passed.claims(), fetched);
    }
    return outcome;
  }

  /** As {@link #admits} without the cache of verified tokens: what a new token costs. */
  public boolean admitsUncached(String token, long nowMillis) {
    RemoteJwks source = remote;
    KeyRing fetched = source == null ? null : source.keys();
    return requireNonNull(verifier, "verifier").verify(token, keys(fetched), nowMillis)
        instanceof JwtVerifier.Verified;
  }

  private KeyRing keys(@Nullable KeyRing fetched) {
    return fetched == null ? inline : inline.plus(fetched);
  }

  /** Whether {@code token} passes every check at {@code nowMillis} (benchmarks and tools). */
  public boolean admits(String token, long nowMillis) {
    return verify(token, nowMillis) instanceof JwtVerifier.Verified;
  }

  /**
   * What to wait for before checking a token whose key is unknown once more: the first fetch of the
   * key set, or an early refresh (rate-limited), each for at most {@link #KEY_WAIT_MILLIS}; null
   * when there is nothing to wait for.
   */
  @Nullable CompletableFuture<?> keysComing() {
    RemoteJwks source = remote;
    if (source == null) {
      return null;
    }
    CompletableFuture<KeyRing> coming =
        source.keys() == null ? source.firstLoad().copy() : source.refreshEarly();
    if (coming == null) {
      return null;
    }
    return coming.completeOnTimeout(KeyRing.empty(), KEY_WAIT_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** {@code WWW-Authenticate} for a request without a token. */
  String challenge() {
    return challenge;
  }

  /** {@code WWW-Authenticate} for a refused token, with the RFC 6750 error and reason. */
  String challenge(String reason) {
    return challenge + ", error=\"invalid_token\", error_description=\"" + reason + "\"";
  }

  /**
   * The request as it goes on once {@code claims} passed: the credential stripped unless
   * forward_token, the configured claim headers set (any the client sent dropped).
   */
  Request authenticated(Request request, JWTClaimsSet claims) {
    TokenLocation at = requireNonNull(location, "location");
    HttpFields.Mutable headers = HttpFields.build(request.getHeaders());
    for (ClaimHeader claim : claimHeaders) {
      headers.remove(claim.header());
    }
    if (!forwardToken) {
      at.strip(headers);
    }
    for (ClaimHeader claim : claimHeaders) {
      String value = text(claims.getClaim(claim.claim()));
      if (value != null) {
        headers.add(claim.header(), value);
      }
    }
    HttpURI uri = forwardToken ? request.getHttpURI() : at.strip(request.getHttpURI());
    return new AuthenticatedRequest(request, headers.asImmutable(), uri);
  }

  /** A claim's value as header text, or null when absent or not sendable in a header. */
  static @Nullable String text(@Nullable Object value) {
    String text;
    if (value == null) {
      return null;
    } else if (value instanceof String s) {
      text = s;
    } else if (value instanceof Date d) {
      text = Long.toString(d.toInstant().getEpochSecond());
    } else if (value instanceof Number || value instanceof Boolean) {
      text = value.toString();
    } else {
      String json = JSONObjectUtils.toJSONString(Map.of("v", value));
      text = json.substring("{\"v\":".length(), json.length() - 1);
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return null; // no header may carry a control character
      }
    }
    return text;
  }

  @Override
  public String toString() {
    return isNone() ? "JwtAuthPolicy.none" : "JwtAuthPolicy[" + name + "]";
  }

  /** The request with the headers and URI the upstream sees. */
  private static final class AuthenticatedRequest extends Request.Wrapper {
    private final HttpFields headers;
    private final HttpURI uri;

    AuthenticatedRequest(Request request, HttpFields headers, HttpURI uri) {
      super(request);
      this.headers = headers;
      this.uri = uri;
    }

    @Override
    public HttpFields getHeaders() {
      return headers;
    }

    @Override
    public HttpURI getHttpURI() {
      return uri;
    }
  }
}
