package dev.concierge.dataplane.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.concierge.api.v1.JwtAuth;
import java.util.Date;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JwtVerifierTest {
  private static TestTokens tokens;
  private static KeyRing keys;
  private static final long NOW = TestTokens.NOW.toEpochMilli();

  @BeforeAll
  static void keys() throws Exception {
    tokens = new TestTokens();
    keys =
        KeyRing.of(JWKSet.parse(tokens.publicJwks()), false)
            .plus(KeyRing.of(JWKSet.parse(tokens.secretJwks()), true));
  }

  private static JwtAuth.Builder config() {
    return JwtAuth.newBuilder().addIssuers("https://issuer.example").addAudiences("api");
  }

  private static JwtVerifier.Outcome verify(JwtAuth.Builder config, String token, long now) {
    return new JwtVerifier(config.build()).verify(token, keys, now);
  }

  private static JwtVerifier.Outcome verify(String token) {
    return verify(config(), token, NOW);
  }

  private static String reason(JwtVerifier.Outcome outcome) {
    assertThat(outcome).isInstanceOf(JwtVerifier.Refused.class);
    return ((JwtVerifier.Refused) outcome).reason();
  }

  @Test
  void acceptsAValidTokenOfEachAsymmetricAlgorithm() throws Exception {
    JWTClaimsSet claims = TestTokens.claims().build();
    for (String token :
        new String[] {tokens.rs256(claims), tokens.es256(claims), tokens.eddsa(claims)}) {
      assertThat(verify(token))
          .isInstanceOfSatisfying(
              JwtVerifier.Verified.class,
              v -> assertThat(v.claims().getSubject()).isEqualTo("user-42"));
    }
  }

  @Test
  void acceptsHs256OnlyWhenAllowed() throws Exception {
    String token = tokens.hs256(TestTokens.claims().build());
    assertThat(reason(verify(token))).isEqualTo("algorithm HS256 not accepted");
    assertThat(verify(config().addAlgorithms(JwtAuth.Algorithm.HS256), token, NOW))
        .isInstanceOf(JwtVerifier.Verified.class);
  }

  @Test
  void refusesExpiryBeyondLeewayButNotWithin() throws Exception {
    String token =
        tokens.rs256(
            TestTokens.claims().expirationTime(Date.from(TestTokens.NOW.minusSeconds(30))).build());
    assertThat(verify(token)).isInstanceOf(JwtVerifier.Verified.class); // 30 s < 60 s leeway
    assertThat(reason(verify(config(), token, NOW + 31_000))).isEqualTo("token expired");
    assertThat(reason(verify(config().setLeeway(Durations.fromSeconds(0)), token, NOW)))
        .isEqualTo("token expired");
  }

  @Test
  void refusesNotYetValidAndNoExpiry() throws Exception {
    String early =
        tokens.rs256(
            TestTokens.claims().notBeforeTime(Date.from(TestTokens.NOW.plusSeconds(120))).build());
    assertThat(reason(verify(early))).isEqualTo("token not valid yet");
    assertThat(verify(config(), early, NOW + 61_000)).isInstanceOf(JwtVerifier.Verified.class);
    String forever = tokens.rs256(TestTokens.claims().expirationTime(null).build());
    assertThat(reason(verify(forever))).isEqualTo("token has no expiry (exp)");
  }

  @Test
  void refusesWrongIssuerAndAudience() throws Exception {
    assertThat(reason(verify(tokens.rs256(TestTokens.claims().issuer("https://evil").build()))))
        .isEqualTo("issuer not accepted");
    assertThat(reason(verify(tokens.rs256(TestTokens.claims().audience("other").build()))))
        .isEqualTo("audience not accepted");
    // Without configured audiences any aud passes.
    assertThat(
            verify(
                JwtAuth.newBuilder().addIssuers("https://issuer.example"),
                tokens.rs256(TestTokens.claims().audience("other").build()),
                NOW))
        .isInstanceOf(JwtVerifier.Verified.class);
  }

  @Test
  void refusesABadSignature() throws Exception {
    String token = tokens.rs256(TestTokens.claims().build());
    String other = tokens.rs256(TestTokens.claims().subject("admin").build());
    // The payload of one token with the signature of another.
    String head = token.substring(0, token.indexOf('.'));
    String signature = token.substring(token.lastIndexOf('.'));
    String payload = other.substring(other.indexOf('.'), other.lastIndexOf('.'));
    assertThat(reason(verify(head + payload + signature))).isEqualTo("bad signature");
    // Signed by a key of the same kid that the set does not hold.
    String forged =
        TestTokens.rs256(
            TestTokens.claims().build(), new RSAKeyGenerator(2048).keyID("rsa-1").generate());
    assertThat(reason(verify(forged))).isEqualTo("bad signature");
  }

  @Test
  void neverAcceptsAlgNone() {
    String token = TestTokens.none(TestTokens.claims().build());
    assertThat(reason(verify(token))).isEqualTo("unsigned tokens (alg none) are not accepted");
    assertThat(reason(verify(config().addAlgorithms(JwtAuth.Algorithm.HS256), token, NOW)))
        .isEqualTo("unsigned tokens (alg none) are not accepted");
  }

  @Test
  void neverChecksAnHmacWithAnRsaPublicKey() throws Exception {
    // The classic confusion: HS256 "signed" with the RSA public key as the secret, its kid named.
    byte[] publicKey = tokens.rsa.toRSAPublicKey().getEncoded();
    String token = tokens.hs256(TestTokens.claims().build(), publicKey, "rsa-1");
    assertThat(
            verify(
                config()
                    .addAlgorithms(JwtAuth.Algorithm.HS256)
                    .addAlgorithms(JwtAuth.Algorithm.RS256),
                token,
                NOW))
        .isInstanceOf(JwtVerifier.NoKey.class);
  }

  @Test
  void anUnknownKidFindsNoKey() throws Exception {
    String token =
        TestTokens.rs256(
            TestTokens.claims().build(), new RSAKeyGenerator(2048).keyID("rsa-2").generate());
    assertThat(verify(token)).isInstanceOf(JwtVerifier.NoKey.class);
  }

  @Test
  void refusesMalformedTokensAndMissingRequiredClaims() throws Exception {
    assertThat(reason(verify("not-a-token"))).isEqualTo("malformed token");
    assertThat(
            reason(
                verify(
                    config().addRequiredClaims("email"),
                    tokens.rs256(TestTokens.claims().build()),
                    NOW)))
        .isEqualTo("required claim missing");
  }
}
