package dev.concierge.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.dataplane.jwt.JwtAuthPolicy;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One JWT checked by a compiled policy, per algorithm: uncached, what a new token costs (parse, key
 * lookup by kid, signature, then iss/aud/exp/nbf); cached, what a token the policy verified before
 * costs (a map lookup, then the claim checks again).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JwtVerifyBenchmark {
  private static final String ISSUER = "https://issuer.example";

  @Param({"RS256", "ES256", "EdDSA", "HS256"})
  String algorithm = "RS256";

  /** Whether the policy's cache of verified tokens may answer (a client reusing its token). */
  @Param({"false", "true"})
  boolean cached;

  private JwtAuthPolicy policy;
  private String token;
  private char[] tokenChars;
  private long now;

  @Setup
  public void setUp() throws Exception {
    now = System.currentTimeMillis();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience("api")
            .subject("user-42")
            .expirationTime(Date.from(java.time.Instant.ofEpochMilli(now).plusSeconds(3600)))
            .build();
    JwtAuth.Builder config = JwtAuth.newBuilder().addIssuers(ISSUER).addAudiences("api");
    switch (algorithm) {
      case "RS256" -> {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k").generate();
        config.setJwks(new JWKSet(key.toPublicJWK()).toString());
        token = sign(JWSAlgorithm.RS256, claims, new RSASSASigner(key));
      }
      case "ES256" -> {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k").generate();
        config.setJwks(new JWKSet(key.toPublicJWK()).toString());
        token = sign(JWSAlgorithm.ES256, claims, new ECDSASigner(key));
      }
      case "EdDSA" -> {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = pair.getPublic().getEncoded();
        OctetKeyPair key =
            new OctetKeyPair.Builder(
                    Curve.Ed25519,
                    Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length)))
                .keyID("k")
                .build();
        config.setJwks(new JWKSet(key).toString());
        token = eddsa(claims, pair);
      }
      default -> {
        OctetSequenceKey key = new OctetSequenceKeyGenerator(256).keyID("k").generate();
        config
            .addAlgorithms(JwtAuth.Algorithm.HS256)
            .setSecretJwks(new JWKSet(key).toString(false));
        token = sign(JWSAlgorithm.HS256, claims, new MACSigner(key));
      }
    }
    tokenChars = token.toCharArray();
    policy = JwtAuthPolicy.inline("policies/bench", config.build());
    if (!policy.admits(token, now)) {
      throw new IllegalStateException(algorithm + ": the benchmark's token does not pass");
    }
  }

  private static String sign(JWSAlgorithm alg, JWTClaimsSet claims, JWSSigner signer)
      throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID("k").build(), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static String eddsa(JWTClaimsSet claims, KeyPair pair) throws GeneralSecurityException {
    String header =
        Base64URL.encode("{\"alg\":\"EdDSA\",\"kid\":\"k\"}".getBytes(StandardCharsets.UTF_8))
            .toString();
    String payload =
        Base64URL.encode(claims.toString().getBytes(StandardCharsets.UTF_8)).toString();
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(pair.getPrivate());
    signer.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    return header + "." + payload + "." + Base64URL.encode(signer.sign());
  }

  @Benchmark
  public boolean verify() {
    // A new String each time, as each request's header value is: its hash is not cached yet.
    String sent = String.valueOf(tokenChars);
    return cached ? policy.admits(sent, now) : policy.admitsUncached(sent, now);
  }
}
