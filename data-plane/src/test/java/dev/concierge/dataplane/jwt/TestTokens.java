package dev.concierge.dataplane.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

/** Keys of each kind and tokens signed with them, for tests. */
final class TestTokens {
  static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

  final RSAKey rsa;
  final ECKey ec;
  final OctetSequenceKey hmac;
  final KeyPair ed;
  final OctetKeyPair edPublic;

  TestTokens() throws JOSEException, GeneralSecurityException {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    hmac = new OctetSequenceKeyGenerator(256).keyID("hmac-1").generate();
    ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] spki = ed.getPublic().getEncoded();
    edPublic =
        new OctetKeyPair.Builder(
                Curve.Ed25519,
                Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length)))
            .keyID("ed-1")
            .build();
  }

  /** The public JWK Set of the RSA, EC and Ed25519 keys. */
  String publicJwks() {
    return new JWKSet(List.<JWK>of(rsa.toPublicJWK(), ec.toPublicJWK(), edPublic)).toString();
  }

  /** The secret set (HS256). */
  String secretJwks() {
    return new JWKSet(hmac).toString(false);
  }

  static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer("https://issuer.example")
        .audience("api")
        .subject("user-42")
        .expirationTime(Date.from(NOW.plusSeconds(300)))
        .notBeforeTime(Date.from(NOW.minusSeconds(60)));
  }

  String rs256(JWTClaimsSet claims) throws JOSEException {
    return rs256(claims, rsa);
  }

  static String rs256(JWTClaimsSet claims, RSAKey key) throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  String es256(JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), claims);
    jwt.sign(new ECDSASigner(ec));
    return jwt.serialize();
  }

  String hs256(JWTClaimsSet claims, byte[] secret, String kid) throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims);
    jwt.sign(new MACSigner(secret));
    return jwt.serialize();
  }

  String hs256(JWTClaimsSet claims) throws JOSEException {
    return hs256(claims, hmac.toByteArray(), "hmac-1");
  }

  /** EdDSA signed with the JDK (nimbus's Ed25519Signer needs Tink). */
  String eddsa(JWTClaimsSet claims) throws GeneralSecurityException {
    String header =
        Base64URL.encode("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}".getBytes(StandardCharsets.UTF_8))
            .toString();
    String payload =
        Base64URL.encode(claims.toString().getBytes(StandardCharsets.UTF_8)).toString();
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(ed.getPrivate());
    signer.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    return header + "." + payload + "." + Base64URL.encode(signer.sign());
  }

  static String none(JWTClaimsSet claims) {
    return new PlainJWT(claims).serialize();
  }
}
