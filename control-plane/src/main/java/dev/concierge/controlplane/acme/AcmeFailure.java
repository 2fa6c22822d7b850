package dev.concierge.controlplane.acme;

/** An order that did not end in a certificate; the message says why, for people. */
public final class AcmeFailure extends Exception {
  private static final long serialVersionUID = 1L;

  public AcmeFailure(String message) {
    super(message);
  }

  public AcmeFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
