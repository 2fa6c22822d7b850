package dev.concierge.api.rules;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.api.v1.Policy;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a JWT policy: at least one issuer, a key source (jwks_uri, jwks or secret_jwks), JWK
 * Sets that parse with keys of the right kinds (public RSA/EC/OKP keys in jwks, "oct" secrets of at
 * least 32 bytes in secret_jwks), durations in range, valid header names. Over a whole
 * configuration, at most one JWT policy per route. Messages never quote a secret key's value.
 */
public final class JwtAuthRules {
  /** Leeway on exp and nbf when unset. */
  public static final Duration DEFAULT_LEEWAY = Durations.fromSeconds(60);

  /** Largest leeway. */
  public static final Duration MAX_LEEWAY = Durations.fromSeconds(600);

  /** How long fetched keys are used when jwks_cache_duration is unset. */
  public static final Duration DEFAULT_CACHE = Durations.fromSeconds(300);

  /** Longest cache duration. */
  public static final Duration MAX_CACHE = Durations.fromDays(1);

  /** Most issuers, audiences, claim headers or required claims. */
  public static final int MAX_ENTRIES = 32;

  /** Most keys in one inline set. */
  public static final int MAX_KEYS = 64;

  /** Shortest HS256 secret, in bytes (RFC 7518 section 3.2: at least the hash size). */
  public static final int MIN_SECRET_BYTES = 32;

  private static final Set<String> PUBLIC_KEY_TYPES = Set.of("RSA", "EC", "OKP");

  private JwtAuthRules() {}

  /** The algorithms a policy accepts: its own, or RS256, ES256 and EdDSA when it names none. */
  public static List<JwtAuth.Algorithm> algorithms(JwtAuth jwt) {
    return jwt.getAlgorithmsCount() == 0
        ? List.of(JwtAuth.Algorithm.RS256, JwtAuth.Algorithm.ES256, JwtAuth.Algorithm.EDDSA)
        : jwt.getAlgorithmsList();
  }

  /** Tells {@code sink} every broken field of {@code jwt}, under {@code prefix}. */
  public static void check(JwtAuth jwt, String prefix, ViolationSink sink) {
    if (jwt.getIssuersCount() == 0) {
      sink.add(prefix + ".issuers", "at least one accepted issuer (\"iss\") is required");
    }
    strings(jwt.getIssuersList(), prefix + ".issuers", sink);
    strings(jwt.getAudiencesList(), prefix + ".audiences", sink);
    strings(jwt.getRequiredClaimsList(), prefix + ".required_claims", sink);
    if (jwt.hasLeeway()) {
      Duration leeway = jwt.getLeeway();
      if (!Durations.isValid(leeway)
          || Durations.isNegative(leeway)
          || Durations.compare(leeway, MAX_LEEWAY) > 0) {
        sink.add(prefix + ".leeway", "must be 0 to 600s, not " + FieldChecks.format(leeway));
      }
    }
    for (int i = 0; i < jwt.getAlgorithmsCount(); i++) {
      String field = prefix + ".algorithms[" + i + "]";
      if (FieldChecks.known(
              jwt.getAlgorithmsValue(i), JwtAuth.Algorithm.getDescriptor(), field, sink)
          && jwt.getAlgorithms(i) == JwtAuth.Algorithm.ALGORITHM_UNSPECIFIED) {
        sink.add(field, "name an algorithm: RS256, ES256, EDDSA or HS256");
      }
    }
    boolean hmac = algorithms(jwt).contains(JwtAuth.Algorithm.HS256);
    // secret_keys (the fingerprints a read returned) stand for the stored secret an update keeps.
    if (jwt.getJwksUri().isEmpty()
        && jwt.getJwks().isEmpty()
        && jwt.getSecretJwks().isEmpty()
        && jwt.getSecretKeysCount() == 0) {
      sink.add(prefix + ".jwks_uri", "give jwks_uri, jwks or secret_jwks: where the keys are");
    }
    if (!jwt.getJwksUri().isEmpty()) {
      String problem = uriProblem(jwt.getJwksUri());
      if (problem != null) {
        sink.add(prefix + ".jwks_uri", problem);
      }
    }
    if (jwt.hasJwksCacheDuration()) {
      Duration cache = jwt.getJwksCacheDuration();
      if (!Durations.isValid(cache)
          || Durations.compare(cache, Durations.fromSeconds(1)) < 0
          || Durations.compare(cache, MAX_CACHE) > 0) {
        sink.add(
            prefix + ".jwks_cache_duration",
            "must be 1s to 1 day, not " + FieldChecks.format(cache));
      }
    }
    if (!jwt.getJwks().isEmpty()) {
      keys(jwt.getJwks(), false, prefix + ".jwks", sink);
    }
    if (!jwt.getSecretJwks().isEmpty()) {
      keys(jwt.getSecretJwks(), true, prefix + ".secret_jwks", sink);
      if (!hmac) {
        sink.add(prefix + ".secret_jwks", "secret keys are only used with algorithms HS256");
      }
    }
    JwtAuth.TokenSource source = jwt.getTokenSource();
    if (FieldChecks.known(
        source.getKindValue(),
        JwtAuth.TokenSource.Kind.getDescriptor(),
        prefix + ".token_source.kind",
        sink)) {
      boolean named =
          source.getKind() == JwtAuth.TokenSource.Kind.QUERY
              || source.getKind() == JwtAuth.TokenSource.Kind.COOKIE;
      if (named && source.getName().isEmpty()) {
        sink.add(prefix + ".token_source.name", "name the query parameter or cookie");
      } else if (!source.getName().isEmpty()) {
        String problem = RequestMatchRules.headerNameProblem(source.getName());
        if (problem != null) {
          sink.add(prefix + ".token_source.name", problem);
        }
      }
    }
    if (jwt.getClaimsToHeadersCount() > MAX_ENTRIES) {
      sink.add(prefix + ".claims_to_headers", "at most " + MAX_ENTRIES + " entries");
    }
    Map<String, String> headerOwner = new HashMap<>();
    jwt.getClaimsToHeadersMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              String field = prefix + ".claims_to_headers[\"" + e.getKey() + "\"]";
              if (e.getKey().isEmpty()) {
                sink.add(field, "the claim name must not be empty");
              }
              String problem = RequestMatchRules.headerNameProblem(e.getValue());
              if (problem != null) {
                sink.add(field, problem);
                return;
              }
              String lower = e.getValue().toLowerCase(Locale.ROOT);
              if (lower.equals("authorization") || lower.equals("host") || lower.equals("cookie")) {
                sink.add(field, "\"" + e.getValue() + "\" cannot carry a claim");
              }
              String other = headerOwner.putIfAbsent(lower, e.getKey());
              if (other != null) {
                sink.add(field, "header " + e.getValue() + " already carries claim " + other);
              }
            });
    if (jwt.getRealm().contains("\"") || jwt.getRealm().contains("\\")) {
      sink.add(prefix + ".realm", "must not hold a quote or backslash");
    }
    FieldChecks.atMost(jwt.getRealm().length(), 128, "128 characters", prefix + ".realm", sink);
  }

  /**
   * Tells {@code sink} when more than one JWT policy would apply to a route: two fleet defaults, or
   * a route naming two.
   */
  public static void checkSnapshot(ConfigSnapshot snapshot, ViolationSink sink) {
    OnePolicyPerRoute.check(snapshot, Policy.KindCase.JWT_AUTH, "JWT", sink);
  }

  /**
   * For each key of a secret JWK Set, "{@code <kid> sha256:<8 hex digits>}" (without the kid when
   * it has none; the start of the SHA-256 of its bytes), shown in place of the keys; empty when the
   * text does not parse. Eight hex digits of the hash of a secret of at least 32 random bytes
   * reveal nothing usable.
   */
  public static List<String> keyFingerprints(String jwks) {
    List<String> out = new ArrayList<>();
    JsonArray keys = keyArray(jwks);
    if (keys == null) {
      return out;
    }
    for (JsonElement key : keys) {
      if (key.isJsonObject()) {
        byte[] k = base64Url(string(key.getAsJsonObject(), "k"));
        String hash = "";
        if (k != null) {
          try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(k);
            hash = " sha256:" + HexFormat.of().formatHex(digest, 0, 4);
          } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
          }
        }
        String kid = string(key.getAsJsonObject(), "kid");
        out.add(kid.isEmpty() ? hash.strip() : kid + hash);
      }
    }
    return out;
  }

  private static void keys(String jwks, boolean secret, String field, ViolationSink sink) {
    JsonArray keys = keyArray(jwks);
    if (keys == null) {
      sink.add(field, "is not a JWK Set: a JSON object with a \"keys\" array");
      return;
    }
    if (keys.isEmpty() || keys.size() > MAX_KEYS) {
      sink.add(field, "must hold 1 to " + MAX_KEYS + " keys");
    }
    for (int i = 0; i < keys.size(); i++) {
      String at = field + ".keys[" + i + "]";
      if (!keys.get(i).isJsonObject()) {
        sink.add(at, "is not a JSON object");
        continue;
      }
      JsonObject key = keys.get(i).getAsJsonObject();
      String kty = string(key, "kty");
      if (secret) {
        if (!kty.equals("oct")) {
          sink.add(at + ".kty", "secret_jwks holds HS256 secrets only (\"kty\": \"oct\")");
          continue;
        }
        byte[] k = base64Url(string(key, "k"));
        if (k == null || k.length < MIN_SECRET_BYTES) {
          // Never say more about the value: it is a secret.
          sink.add(at + ".k", "must be a base64url secret of at least 32 bytes");
        }
      } else if (kty.equals("oct")) {
        sink.add(
            at + ".kty",
            "put HS256 secrets (\"kty\": \"oct\") in secret_jwks, which is never shown back");
      } else if (!PUBLIC_KEY_TYPES.contains(kty)) {
        sink.add(at + ".kty", "must be RSA, EC or OKP, not \"" + HttpMethods.printable(kty) + "\"");
      } else if (key.has("d")) {
        sink.add(at + ".d", "is a private key: give the public key only");
      } else {
        publicKey(key, kty, at, sink);
      }
    }
  }

  private static void publicKey(JsonObject key, String kty, String at, ViolationSink sink) {
    switch (kty) {
      case "RSA" -> {
        byte[] n = base64Url(string(key, "n"));
        if (n == null || base64Url(string(key, "e")) == null) {
          sink.add(at, "an RSA key needs base64url \"n\" and \"e\"");
        } else if (significantBits(n) < 2048) {
          sink.add(at + ".n", "RSA keys must have at least 2048 bits");
        }
      }
      case "EC" -> {
        if (!string(key, "crv").equals("P-256")) {
          sink.add(at + ".crv", "EC keys must be on P-256 (ES256)");
        } else if (base64Url(string(key, "x")) == null || base64Url(string(key, "y")) == null) {
          sink.add(at, "an EC key needs base64url \"x\" and \"y\"");
        }
      }
      default -> {
        byte[] x = base64Url(string(key, "x"));
        if (!string(key, "crv").equals("Ed25519")) {
          sink.add(at + ".crv", "OKP keys must be Ed25519");
        } else if (x == null || x.length != 32) {
          sink.add(at + ".x", "an Ed25519 key needs a base64url \"x\" of 32 bytes");
        }
      }
    }
  }

  private static int significantBits(byte[] n) {
    int i = 0;
    while (i < n.length && n[i] == 0) {
      i++;
    }
    return i == n.length
        ? 0
        : (n.length - i - 1) * 8 + (32 - Integer.numberOfLeadingZeros(n[i] & 0xff));
  }

  private static @Nullable JsonArray keyArray(String jwks) {
    try {
      JsonElement root = JsonParser.parseString(jwks);
      if (!root.isJsonObject()) {
        return null;
      }
      JsonElement keys = root.getAsJsonObject().get("keys");
      return keys != null && keys.isJsonArray() ? keys.getAsJsonArray() : null;
    } catch (JsonParseException | IllegalStateException e) {
      return null;
    }
  }

  private static String string(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
        ? e.getAsString()
        : "";
  }

  private static byte @Nullable [] base64Url(String text) {
    if (text.isEmpty()) {
      return null;
    }
    try {
      return Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static @Nullable String uriProblem(String uri) {
    try {
      URI parsed = new URI(uri);
      String scheme = parsed.getScheme();
      if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
        return "must be an http or https URL";
      }
      if (parsed.getHost() == null) {
        return "must name a host";
      }
      return null;
    } catch (URISyntaxException e) {
      return "is not a URL: " + e.getReason();
    }
  }

  private static void strings(List<String> values, String field, ViolationSink sink) {
    if (values.size() > MAX_ENTRIES) {
      sink.add(field, "at most " + MAX_ENTRIES + " entries, not " + values.size());
    }
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i).isEmpty()) {
        sink.add(field + "[" + i + "]", "must not be empty");
      }
    }
  }
}
