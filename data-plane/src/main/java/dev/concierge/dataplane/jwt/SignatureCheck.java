package dev.concierge.dataplane.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;

/** Checks one key's signature over a token's signing input. Immutable and thread-safe. */
@FunctionalInterface
interface SignatureCheck {
  /** Whether {@code signature} is this key's over {@code signingInput}. */
  boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException;

  /** A check by one of nimbus's verifiers (RSASSA, ECDSA, MAC), which are thread-safe. */
  static SignatureCheck of(JWSVerifier verifier) {
    return verifier::verify;
  }

  /**
   * An Ed25519 check on the JDK's own provider (Java 15+), so nimbus's Ed25519Verifier and its
   * Google Tink dependency are not needed.
   *
   * @param x the raw 32-byte public key (the JWK's "x")
   */
  static SignatureCheck ed25519(byte[] x) throws GeneralSecurityException {
    if (x.length != 32) {
      throw new GeneralSecurityException("an Ed25519 public key has 32 bytes, not " + x.length);
    }
    // SubjectPublicKeyInfo of id-Ed25519 (1.3.101.112, RFC 8410) around the raw key.
    byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    byte[] der = new byte[prefix.length + x.length];
    System.arraycopy(prefix, 0, der, 0, prefix.length);
    System.arraycopy(x, 0, der, prefix.length, x.length);
    PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    return (header, signingInput, signature) -> {
      if (header.getCriticalParams() != null) {
        return false;
      }
      try {
        // A Signature is not thread-safe: one per check (as nimbus's verifiers do).
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(key);
        verifier.update(signingInput);
        return verifier.verify(signature.decode());
      } catch (GeneralSecurityException e) {
        return false;
      }
    };
  }
}
