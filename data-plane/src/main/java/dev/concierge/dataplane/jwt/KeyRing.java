package dev.concierge.dataplane.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import dev.concierge.api.v1.JwtAuth;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The signature keys of a JWK Set, compiled once: per algorithm family the keys of its own type
 * only (RS256: RSA keys of at least 2048 bits; ES256: EC P-256; EdDSA: OKP Ed25519; HS256: "oct"
 * secrets), so a token can never have its HMAC checked with an RSA or EC public key (algorithm
 * confusion). Keys marked for another use than "sig", or for another "alg", are left out. Immutable
 * and thread-safe.
 */
final class KeyRing {
  private static final KeyRing EMPTY = new KeyRing(new EnumMap<>(JwtAuth.Algorithm.class), 0);

  /** One usable key. */
  record Entry(@Nullable String kid, SignatureCheck check) {}

  private final Map<JwtAuth.Algorithm, List<Entry>> byAlgorithm;
  private final int size;

  private KeyRing(Map<JwtAuth.Algorithm, List<Entry>> byAlgorithm, int size) {
    this.byAlgorithm = byAlgorithm;
    this.size = size;
  }

  /** A ring without keys. */
  static KeyRing empty() {
    return EMPTY;
  }

  /**
   * The usable keys of {@code set}; HMAC secrets only when {@code secrets} (inline sets the control
   * plane keeps write-only, never a fetched set).
   */
  static KeyRing of(JWKSet set, boolean secrets) {
    Map<JwtAuth.Algorithm, List<Entry>> keys = new EnumMap<>(JwtAuth.Algorithm.class);
    int size = 0;
    for (JWK jwk : set.getKeys()) {
      if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
        continue;
      }
      Entry entry;
      JwtAuth.Algorithm family;
      try {
        if (jwk instanceof RSAKey rsa && rsa.size() >= 2048) {
          family = JwtAuth.Algorithm.RS256;
          entry = new Entry(jwk.getKeyID(), SignatureCheck.of(new RSASSAVerifier(rsa)));
        } else if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve())) {
          family = JwtAuth.Algorithm.ES256;
          entry = new Entry(jwk.getKeyID(), SignatureCheck.of(new ECDSAVerifier(ec)));
        } else if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
          family = JwtAuth.Algorithm.EDDSA;
          entry = new Entry(jwk.getKeyID(), SignatureCheck.ed25519(okp.getX().decode()));
        } else if (secrets && jwk instanceof OctetSequenceKey oct) {
          family = JwtAuth.Algorithm.HS256;
          entry = new Entry(jwk.getKeyID(), SignatureCheck.of(new MACVerifier(oct)));
        } else {
          continue;
        }
      } catch (JOSEException | GeneralSecurityException e) {
        continue; // a key this node cannot use: tokens signed with it are refused
      }
      if (jwk.getAlgorithm() != null && !algorithmMatches(jwk.getAlgorithm().getName(), family)) {
        continue;
      }
      keys.computeIfAbsent(family, f -> new ArrayList<>()).add(entry);
      size++;
    }
    keys.replaceAll((f, list) -> List.copyOf(list));
    return new KeyRing(keys, size);
  }

  /** The ring holding this one's keys and then {@code other}'s. */
  KeyRing plus(KeyRing other) {
    if (other.size == 0) {
      return this;
    }
    if (size == 0) {
      return other;
    }
    Map<JwtAuth.Algorithm, List<Entry>> keys = new EnumMap<>(byAlgorithm);
    other.byAlgorithm.forEach(
        (f, list) ->
            keys.merge(
                f,
                list,
                (a, b) -> {
                  List<Entry> both = new ArrayList<>(a);
                  both.addAll(b);
                  return List.copyOf(both);
                }));
    return new KeyRing(keys, size + other.size);
  }

  /**
   * The keys that may check a token of {@code family} naming {@code kid} (every key of the family
   * when the token names none).
   */
  List<Entry> candidates(JwtAuth.Algorithm family, @Nullable String kid) {
    List<Entry> keys = byAlgorithm.getOrDefault(family, List.of());
    if (kid == null) {
      return keys;
    }
    Entry single = null;
    List<Entry> more = null;
    for (Entry entry : keys) {
      if (Objects.equals(kid, entry.kid())) {
        if (single == null) {
          single = entry;
        } else {
          if (more == null) {
            more = new ArrayList<>();
            more.add(single);
          }
          more.add(entry);
        }
      }
    }
    if (more != null) {
      return List.copyOf(more);
    }
    return single == null ? List.of() : List.of(single);
  }

  /** How many usable keys the ring holds. */
  int size() {
    return size;
  }

  /** The family of a token's "alg", or null when it is none this node accepts at all. */
  static JwtAuth.@Nullable Algorithm family(JWSAlgorithm alg) {
    String name = alg.getName();
    if (name.equals("RS256")) {
      return JwtAuth.Algorithm.RS256;
    } else if (name.equals("ES256")) {
      return JwtAuth.Algorithm.ES256;
    } else if (name.equals("EdDSA") || name.equals("Ed25519")) {
      return JwtAuth.Algorithm.EDDSA;
    } else if (name.equals("HS256")) {
      return JwtAuth.Algorithm.HS256;
    }
    return null;
  }

  private static boolean algorithmMatches(String jwkAlg, JwtAuth.Algorithm family) {
    JwtAuth.Algorithm named = family(new JWSAlgorithm(jwkAlg));
    return named == family;
  }
}
