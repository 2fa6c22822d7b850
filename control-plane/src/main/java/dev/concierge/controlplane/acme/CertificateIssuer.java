package dev.concierge.controlplane.acme;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.AcmeChallenge;
import java.util.List;

/** Obtains a certificate for names, proving control of them through the nodes. */
public interface CertificateIssuer {

  /**
   * Orders a certificate for {@code names} with a fresh key; blocks until it is issued or failed.
   *
   * @param challenges makes the HTTP-01 answers reachable on every node before they are checked
   */
  Issued issue(List<String> names, ChallengePublisher challenges)
      throws AcmeFailure, InterruptedException;

  /**
   * An issued certificate.
   *
   * @param chainPem the leaf first, then its intermediates
   * @param keyPem the leaf's private key, PKCS#8 PEM
   */
  record Issued(String chainPem, String keyPem) {
    public Issued {
      requireNonNull(chainPem, "chainPem");
      requireNonNull(keyPem, "keyPem");
    }
  }

  /** Where an order puts its HTTP-01 answers. */
  interface ChallengePublisher {
    /**
     * Makes these answers (replacing earlier ones of this order) reachable on the nodes; returns
     * once the connected nodes serve them, or after a bounded wait.
     */
    void publish(List<AcmeChallenge> challenges) throws InterruptedException;
  }
}
