package dev.concierge.controlplane.acme;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/**
 * Fresh EC P-256 key pairs from the JDK's provider (acme4j's own helper wants Bouncy Castle
 * registered globally, which the control plane does not do).
 */
final class EcKeys {
  private EcKeys() {}

  static KeyPair p256() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 in this JDK", e);
    }
  }
}
