package dev.concierge.controlplane.crypto;

import static java.util.Objects.requireNonNull;

/**
 * A certificate input that cannot be taken, naming the input field ({@code certificate_chain},
 * {@code private_key} or {@code private_key_passphrase}) it is about. The message never holds key
 * material or the passphrase.
 */
public final class CertificateProblem extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The Certificate field the problem is about. */
  private final String field;

  CertificateProblem(String field, String message) {
    super(message);
    this.field = requireNonNull(field, "field");
  }

  /** The Certificate field the problem is about, e.g. {@code private_key_passphrase}. */
  public String field() {
    return field;
  }
}
