package dev.concierge.controlplane.management;

import com.google.protobuf.Message;
import dev.concierge.api.rules.JwtAuthRules;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.api.v1.Policy;
import org.jspecify.annotations.Nullable;

/**
 * The write-only secret of a policy, a JWT policy's {@code secret_jwks} (HS256 keys), kept as
 * certificates keep their private keys: never in what the API returns (Get, List, Create and Update
 * answers, export, apply and history diffs), where {@code secret_keys} shows a fingerprint per key
 * instead; and a write that leaves it out keeps the stored one, while HS256 stays allowed, so an
 * update or a re-applied export does not drop it. Nodes get it in their snapshots.
 */
final class PolicySecrets {
  private PolicySecrets() {}

  /** {@code policy} as the API shows it: secret keys as fingerprints only. */
  static Policy redact(Policy policy) {
    if (policy.getKindCase() != Policy.KindCase.JWT_AUTH) {
      return policy;
    }
    JwtAuth jwt = policy.getJwtAuth();
    JwtAuth.Builder shown = jwt.toBuilder().clearSecretJwks().clearSecretKeys();
    if (!jwt.getSecretJwks().isEmpty()) {
      shown.addAllSecretKeys(JwtAuthRules.keyFingerprints(jwt.getSecretJwks()));
    }
    return policy.toBuilder().setJwtAuth(shown).build();
  }

  /** {@link #redact} for a policy, anything else as it is (diffs of every kind). */
  static @Nullable Message shown(@Nullable Message resource) {
    return resource instanceof Policy policy ? redact(policy) : resource;
  }

  /**
   * What the store keeps of a written policy: without the output-only fingerprints, and with the
   * stored secret keys when the write gave none and HS256 is still allowed.
   */
  static Policy kept(Policy written, @Nullable Policy stored) {
    if (written.getKindCase() != Policy.KindCase.JWT_AUTH) {
      return written;
    }
    JwtAuth.Builder jwt = written.getJwtAuth().toBuilder().clearSecretKeys();
    if (jwt.getSecretJwks().isEmpty()
        && stored != null
        && stored.getKindCase() == Policy.KindCase.JWT_AUTH
        && JwtAuthRules.algorithms(jwt.build()).contains(JwtAuth.Algorithm.HS256)) {
      jwt.setSecretJwks(stored.getJwtAuth().getSecretJwks());
    }
    return written.toBuilder().setJwtAuth(jwt).build();
  }
}
