package dev.concierge.controlplane.acme;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.AcmeChallenge;
import java.io.IOException;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RFC 8555 client, on acme4j (which does the JWS, nonces and polling): order → HTTP-01
 * authorizations, answered through the nodes → trigger → poll → finalize with a CSR for a fresh EC
 * P-256 key → download the chain. One order at a time per caller thread; thread-safe.
 */
public final class AcmeOrders implements CertificateIssuer {
  private static final Logger log = LoggerFactory.getLogger(AcmeOrders.class);

  /** How long one step (a challenge's validation, the order's finalization) may take. */
  static final Duration STEP_TIMEOUT = Duration.ofMinutes(2);

  private final AcmeSettings settings;
  private final KeyPair accountKey;
  private final GenericAcmeProvider provider;

  public AcmeOrders(AcmeSettings settings, KeyPair accountKey)
      throws IOException, GeneralSecurityException {
    this.settings = requireNonNull(settings, "settings");
    this.accountKey = requireNonNull(accountKey, "accountKey");
    Optional<SSLContext> trust =
        settings.caFile().isPresent()
            ? Optional.of(ExtraTrust.of(settings.caFile().get()))
            : Optional.empty();
    this.provider = new TrustingProvider(trust);
  }

  @Override
  public Issued issue(List<String> names, ChallengePublisher challenges)
      throws AcmeFailure, InterruptedException {
    try {
      Session session = new Session(settings.directory(), provider);
      AccountBuilder account = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey);
      if (!settings.email().isEmpty()) {
        account.addEmail(settings.email());
      }
      Account login = account.create(session);
      Order order = login.newOrder().domains(names).create();
      List<AcmeChallenge> answers = new ArrayList<>();
      List<Http01Challenge> pending = new ArrayList<>();
      List<String> pendingNames = new ArrayList<>();
      for (Authorization authorization : order.getAuthorizations()) {
        if (authorization.getStatus() == Status.VALID) {
          continue; // proved recently; the server remembers
        }
        String name = authorization.getIdentifier().getDomain();
        Http01Challenge challenge =
            authorization
                .findChallenge(Http01Challenge.class)
                .orElseThrow(
                    () -> new AcmeFailure(name + ": the ACME server offers no HTTP-01 challenge"));
        answers.add(
            AcmeChallenge.newBuilder()
                .setToken(challenge.getToken())
                .setKeyAuthorization(challenge.getAuthorization())
                .build());
        pending.add(challenge);
        pendingNames.add(name);
      }
      if (!pending.isEmpty()) {
        challenges.publish(answers);
        for (Http01Challenge challenge : pending) {
          challenge.trigger();
        }
        for (int i = 0; i < pending.size(); i++) {
          Http01Challenge challenge = pending.get(i);
          Status status = challenge.waitForCompletion(STEP_TIMEOUT);
          if (status != Status.VALID) {
            throw new AcmeFailure(
                "HTTP-01 challenge for "
                    + pendingNames.get(i)
                    + " "
                    + status.name().toLowerCase(java.util.Locale.ROOT)
                    + challenge.getError().map(AcmeOrders::describe).map(d -> ": " + d).orElse(""));
          }
        }
      }
      order.waitUntilReady(STEP_TIMEOUT);
      KeyPair key = EcKeys.p256();
      order.execute(key);
      Status status = order.waitForCompletion(STEP_TIMEOUT);
      if (status != Status.VALID) {
        throw new AcmeFailure(
            "order "
                + status.name().toLowerCase(java.util.Locale.ROOT)
                + order.getError().map(AcmeOrders::describe).map(d -> ": " + d).orElse(""));
      }
      StringWriter chain = new StringWriter();
      order.getCertificate().writeCertificate(chain);
      log.info("ACME order for {} issued", names);
      return new Issued(chain.toString(), pkcs8Pem(key));
    } catch (AcmeException e) {
      throw new AcmeFailure(describe(e), e);
    } catch (IOException e) {
      throw new AcmeFailure("writing the certificate failed: " + e.getMessage(), e);
    }
  }

  private static String describe(AcmeException e) {
    if (e instanceof org.shredzone.acme4j.exception.AcmeServerException server) {
      return describe(server.getProblem());
    }
    return String.valueOf(e.getMessage());
  }

  private static String describe(Problem problem) {
    StringBuilder text =
        new StringBuilder(problem.getDetail().orElse(problem.getType().toString()));
    for (Problem sub : problem.getSubProblems()) {
      text.append("; ").append(sub.getDetail().orElse(sub.getType().toString()));
    }
    return text.toString();
  }

  private static String pkcs8Pem(KeyPair key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  /** Any http(s) directory URL, over HTTPS that also trusts the configured CA file. */
  private static final class TrustingProvider extends GenericAcmeProvider {
    private final Optional<SSLContext> trust;

    TrustingProvider(Optional<SSLContext> trust) {
      this.trust = trust;
    }

    @Override
    protected HttpConnector createHttpConnector(NetworkSettings settings) {
      if (trust.isEmpty()) {
        return super.createHttpConnector(settings);
      }
      SSLContext context = trust.get();
      return new HttpConnector(settings) {
        @Override
        public HttpClient.Builder createClientBuilder() {
          return super.createClientBuilder().sslContext(context);
        }
      };
    }
  }
}
