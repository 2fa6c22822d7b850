package dev.concierge.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.api.v1.Policy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * What a JWT policy is made of, for {@code policy create} and {@code update}: only what is given (a
 * repeated option given on update replaces that list). The HS256 secret is read from a file, never
 * from the command line (shell history, process lists), and never printed back.
 */
final class JwtAuthOptions {
  @Option(
      names = "--jwt-issuer",
      paramLabel = "ISS",
      description =
          "Make a JWT policy: tokens from this issuer (the \"iss\" claim) are accepted; repeat"
              + " for more.")
  @Nullable List<String> issuers;

  @Option(
      names = "--jwt-audience",
      paramLabel = "AUD",
      description = "The token's \"aud\" must hold one of these; repeat for more (default: any).")
  @Nullable List<String> audiences;

  @Option(
      names = "--jwt-algorithm",
      paramLabel = "ALG",
      description =
          "An accepted signature algorithm: RS256, ES256, EdDSA or HS256; repeat (default: RS256,"
              + " ES256, EdDSA). alg none is never accepted.")
  @Nullable List<String> algorithms;

  @Option(
      names = "--jwks-uri",
      paramLabel = "URL",
      description = "Where the nodes fetch the signing keys (a JWK Set over http or https).")
  @Nullable String jwksUri;

  @Option(
      names = "--jwks-cache",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long nodes use fetched keys before fetching again (default 5m).")
  @Nullable Duration jwksCache;

  @Option(
      names = "--jwks-file",
      paramLabel = "FILE",
      description = "Public keys inline: a JWK Set file (RSA, EC or Ed25519 public keys).")
  @Nullable Path jwksFile;

  @Option(
      names = "--jwt-secret-file",
      paramLabel = "FILE",
      description =
          "HS256 secrets: a JWK Set file of \"oct\" keys, or a file holding the secret itself"
              + " (at least 32 bytes; a final newline is dropped). Write-only: never shown back.")
  @Nullable Path secretFile;

  @Option(
      names = "--jwt-leeway",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Clock skew allowed on exp and nbf, up to 10m (default 60s).")
  @Nullable Duration leeway;

  @Option(
      names = "--jwt-token-from",
      paramLabel = "WHERE",
      description =
          "Where the token is: header:NAME, query:NAME or cookie:NAME (default: the Authorization"
              + " header, Bearer scheme).")
  @Nullable String tokenFrom;

  @Option(
      names = "--jwt-forward-token",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description = "Send the token to the backend too (default: it is stripped).")
  @Nullable Boolean forwardToken;

  @Option(
      names = "--jwt-claim-header",
      paramLabel = "CLAIM=HEADER",
      description =
          "Send a claim upstream as a request header, e.g. sub=X-User-Id (a client's own"
              + " X-User-Id is dropped); repeat for more.")
  @Nullable Map<String, String> claimHeaders;

  @Option(
      names = "--jwt-required-claim",
      paramLabel = "NAME",
      description = "A claim every token must carry; repeat for more.")
  @Nullable List<String> requiredClaims;

  @Option(
      names = "--jwt-realm",
      paramLabel = "REALM",
      description = "The realm of WWW-Authenticate (default concierge).")
  @Nullable String realm;

  boolean given() {
    return issuers != null
        || audiences != null
        || algorithms != null
        || jwksUri != null
        || jwksCache != null
        || jwksFile != null
        || secretFile != null
        || leeway != null
        || tokenFrom != null
        || forwardToken != null
        || claimHeaders != null
        || requiredClaims != null
        || realm != null;
  }

  /**
   * Sets what was given onto {@code current}'s JWT settings, on {@code policy}, and names it in
   * {@code mask}. The stored secret is kept by the server when no --jwt-secret-file is given.
   */
  void applyTo(Policy.Builder policy, JwtAuth current, FieldMask.Builder mask) {
    if (!given()) {
      return;
    }
    // The fingerprints read stay: they tell the server to keep the stored secret.
    JwtAuth.Builder jwt = current.toBuilder();
    if (issuers != null) {
      jwt.clearIssuers().addAllIssuers(issuers);
    }
    if (audiences != null) {
      jwt.clearAudiences().addAllAudiences(audiences);
    }
    if (algorithms != null) {
      jwt.clearAlgorithms();
      for (String alg : algorithms) {
        jwt.addAlgorithms(algorithm(alg));
      }
    }
    if (jwksUri != null) {
      jwt.setJwksUri(jwksUri);
    }
    if (jwksCache != null) {
      jwt.setJwksCacheDuration(jwksCache);
    }
    if (jwksFile != null) {
      jwt.setJwks(read("--jwks-file", jwksFile).strip());
    }
    if (secretFile != null) {
      jwt.setSecretJwks(secretJwks(read("--jwt-secret-file", secretFile))).clearSecretKeys();
    }
    if (leeway != null) {
      jwt.setLeeway(leeway);
    }
    if (tokenFrom != null) {
      jwt.setTokenSource(tokenSource(tokenFrom));
    }
    if (forwardToken != null) {
      jwt.setForwardToken(forwardToken);
    }
    if (claimHeaders != null) {
      jwt.clearClaimsToHeaders().putAllClaimsToHeaders(claimHeaders);
    }
    if (requiredClaims != null) {
      jwt.clearRequiredClaims().addAllRequiredClaims(requiredClaims);
    }
    if (realm != null) {
      jwt.setRealm(realm);
    }
    policy.setJwtAuth(jwt);
    mask.addPaths("jwt_auth");
  }

  /** {@code get}: the JWT settings of {@code policy}, one line each, when it is one. */
  static void print(PrintWriter out, Policy policy) {
    if (!policy.hasJwtAuth()) {
      return;
    }
    JwtAuth jwt = policy.getJwtAuth();
    line(out, "issuers", jwt.getIssuersList());
    line(out, "audiences", jwt.getAudiencesList());
    List<String> algs = new ArrayList<>();
    jwt.getAlgorithmsList()
        .forEach(a -> algs.add(a == JwtAuth.Algorithm.EDDSA ? "EdDSA" : a.name()));
    line(out, "algorithms", algs.isEmpty() ? List.of("RS256", "ES256", "EdDSA") : algs);
    if (!jwt.getJwksUri().isEmpty()) {
      out.println(
          "jwks uri: "
              + jwt.getJwksUri()
              + " (cached "
              + (jwt.hasJwksCacheDuration() ? Durations.format(jwt.getJwksCacheDuration()) : "5m")
              + ")");
    }
    if (!jwt.getJwks().isEmpty()) {
      out.println("inline public keys: yes");
    }
    // The server returns fingerprints only; the secret itself never reaches the CLI.
    line(out, "secret keys", jwt.getSecretKeysList());
    JwtAuth.TokenSource source = jwt.getTokenSource();
    out.println(
        "token from: "
            + (source.getKind() == JwtAuth.TokenSource.Kind.KIND_UNSPECIFIED
                ? "Authorization: Bearer"
                : source.getKind().name().toLowerCase(Locale.ROOT) + ":" + source.getName())
            + (jwt.getForwardToken() ? " (forwarded)" : " (stripped)"));
    List<String> headers = new ArrayList<>();
    jwt.getClaimsToHeadersMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> headers.add(e.getKey() + " -> " + e.getValue()));
    line(out, "claim headers", headers);
    line(out, "required claims", jwt.getRequiredClaimsList());
  }

  private static void line(PrintWriter out, String what, List<String> values) {
    if (!values.isEmpty()) {
      out.println(what + ": " + String.join(", ", values));
    }
  }

  private static JwtAuth.Algorithm algorithm(String text) {
    return switch (text.toUpperCase(Locale.ROOT)) {
      case "RS256" -> JwtAuth.Algorithm.RS256;
      case "ES256" -> JwtAuth.Algorithm.ES256;
      case "EDDSA", "ED25519" -> JwtAuth.Algorithm.EDDSA;
      case "HS256" -> JwtAuth.Algorithm.HS256;
      default ->
          throw new CommandFailure(
              "--jwt-algorithm " + text + ": one of RS256, ES256, EdDSA, HS256");
    };
  }

  private static JwtAuth.TokenSource tokenSource(String text) {
    int colon = text.indexOf(':');
    String kind = colon < 0 ? "" : text.substring(0, colon).toLowerCase(Locale.ROOT);
    String name = colon < 0 ? "" : text.substring(colon + 1);
    JwtAuth.TokenSource.Kind parsed =
        switch (kind) {
          case "header" -> JwtAuth.TokenSource.Kind.HEADER;
          case "query" -> JwtAuth.TokenSource.Kind.QUERY;
          case "cookie" -> JwtAuth.TokenSource.Kind.COOKIE;
          default ->
              throw new CommandFailure(
                  "--jwt-token-from " + text + ": write header:NAME, query:NAME or cookie:NAME");
        };
    return JwtAuth.TokenSource.newBuilder().setKind(parsed).setName(name).build();
  }

  /** A JWK Set file as it is, or a raw secret made into a one-key set. */
  static String secretJwks(String text) {
    if (text.stripLeading().startsWith("{")) {
      return text.strip();
    }
    String secret = text.endsWith("\r\n") ? text.substring(0, text.length() - 2) : text;
    if (secret.endsWith("\n")) {
      secret = secret.substring(0, secret.length() - 1);
    }
    String k =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(secret.getBytes(StandardCharsets.UTF_8));
    return "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" + k + "\"}]}";
  }

  private static String read(String option, Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new CommandFailure(option + " " + file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** Parses a duration such as 30s or 5m. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
