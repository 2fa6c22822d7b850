package dev.concierge.dataplane.jwt;

import com.google.protobuf.util.Durations;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.concierge.api.rules.JwtAuthRules;
import dev.concierge.api.v1.JwtAuth;
import java.text.ParseException;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The token checks of one JWT policy, compiled once, in order: the token parses as a signed JWT
 * ({@code alg: none} and encrypted tokens are refused), its {@code alg} is one the policy accepts,
 * it has no {@code crit} header, a key of the alg's own family (and the token's {@code kid}, when
 * it names one) verifies the signature, then {@code iss}, {@code aud}, {@code exp} (required) and
 * {@code nbf} with leeway against the time given, and the required claims. Immutable and
 * thread-safe; no I/O.
 */
final class JwtVerifier {
  /** What the checks found. */
  sealed interface Outcome permits Verified, Refused, NoKey {}

  /** The token passed: its claims. */
  record Verified(JWTClaimsSet claims) implements Outcome {}

  /** The token failed; {@code reason} is safe to send to the client (no token text). */
  record Refused(String reason) implements Outcome {}

  /** No key of the token's family and kid is known (yet): a fetch may bring it. */
  record NoKey() implements Outcome {}

  private static final NoKey NO_KEY = new NoKey();

  private final Set<String> issuers;
  private final Set<String> audiences;
  private final long leewayMillis;
  private final Set<JwtAuth.Algorithm> algorithms;
  private final List<String> requiredClaims;

  JwtVerifier(JwtAuth config) {
    this.issuers = Set.copyOf(config.getIssuersList());
    this.audiences = Set.copyOf(config.getAudiencesList());
    this.leewayMillis =
        Durations.toMillis(config.hasLeeway() ? config.getLeeway() : JwtAuthRules.DEFAULT_LEEWAY);
    this.algorithms = EnumSet.copyOf(JwtAuthRules.algorithms(config));
    this.requiredClaims = List.copyOf(config.getRequiredClaimsList());
  }

  /** Checks {@code token} against {@code keys} at {@code nowMillis} (epoch milliseconds). */
  Outcome verify(String token, KeyRing keys, long nowMillis) {
    JWT parsed;
    try {
      parsed = JWTParser.parse(token);
    } catch (ParseException e) {
      return new Refused("malformed token");
    }
    if (parsed instanceof PlainJWT) {
      return new Refused("unsigned tokens (alg none) are not accepted");
    }
    if (!(parsed instanceof SignedJWT jwt)) {
      return new Refused("encrypted tokens are not accepted");
    }
    JWSHeader header = jwt.getHeader();
    JwtAuth.Algorithm family = KeyRing.family(header.getAlgorithm());
    if (family == null || !algorithms.contains(family)) {
      return new Refused(
          "algorithm " + printable(header.getAlgorithm().getName()) + " not accepted");
    }
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      return new Refused("critical header parameters are not supported");
    }
    List<KeyRing.Entry> candidates = keys.candidates(family, header.getKeyID());
    if (candidates.isEmpty()) {
      return NO_KEY;
    }
    if (!signed(jwt, header, candidates)) {
      return new Refused("bad signature");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return new Refused("malformed claims");
    }
    return claims(claims, nowMillis);
  }

  /** The claim checks alone, for a token whose signature passed. */
  Outcome claims(JWTClaimsSet claims, long nowMillis) {
    String issuer = claims.getIssuer();
    if (issuer == null || !issuers.contains(issuer)) {
      return new Refused("issuer not accepted");
    }
    if (!audiences.isEmpty() && !anyAudience(claims.getAudience())) {
      return new Refused("audience not accepted");
    }
    Date expiry = claims.getExpirationTime();
    if (expiry == null) {
      return new Refused("token has no expiry (exp)");
    }
    if (nowMillis > expiry.toInstant().toEpochMilli() + leewayMillis) {
      return new Refused("token expired");
    }
    Date notBefore = claims.getNotBeforeTime();
    if (notBefore != null && nowMillis + leewayMillis < notBefore.toInstant().toEpochMilli()) {
      return new Refused("token not valid yet");
    }
    for (String name : requiredClaims) {
      if (claims.getClaim(name) == null) {
        return new Refused("required claim missing");
      }
    }
    return new Verified(claims);
  }

  private boolean anyAudience(@Nullable List<String> tokenAudiences) {
    if (tokenAudiences != null) {
      for (String audience : tokenAudiences) {
        if (audiences.contains(audience)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean signed(SignedJWT jwt, JWSHeader header, List<KeyRing.Entry> keys) {
    byte[] input = jwt.getSigningInput();
    for (KeyRing.Entry key : keys) {
      try {
        if (key.check().verify(header, input, jwt.getSignature())) {
          return true;
        }
      } catch (JOSEException e) {
        // A signature this key cannot even read: try the next.
      }
    }
    return false;
  }

  /** The token's alg for the reason, only when plain (it goes into a header field). */
  private static String printable(String alg) {
    if (alg.length() > 16) {
      return "(unknown)";
    }
    for (int i = 0; i < alg.length(); i++) {
      char c = alg.charAt(i);
      if (!Character.isLetterOrDigit(c) || c > 127) {
        return "(unknown)";
      }
    }
    return alg;
  }
}
