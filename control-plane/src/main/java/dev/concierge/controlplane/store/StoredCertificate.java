package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.Certificate;

/** A certificate as stored: the spec without its private key, and the encrypted key. */
public record StoredCertificate(Certificate certificate, String keyCiphertext) {
  public StoredCertificate {
    requireNonNull(certificate, "certificate");
    requireNonNull(keyCiphertext, "keyCiphertext");
    if (!certificate.getPrivateKey().isEmpty()) {
      throw new IllegalArgumentException("the private key is stored only as ciphertext");
    }
  }
}
