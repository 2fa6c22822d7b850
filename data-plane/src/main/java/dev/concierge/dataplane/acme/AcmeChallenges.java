package dev.concierge.dataplane.acme;

import dev.concierge.api.v1.AcmeChallenge;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP-01 answers of one runtime: key authorization by token, compiled once and never changed.
 * {@link #none()} is the usual case and costs a request one field read. Immutable.
 */
public final class AcmeChallenges {
  /** The path every HTTP-01 challenge is fetched under (RFC 8555 §8.3). */
  public static final String PATH_PREFIX = "/.well-known/acme-challenge/";

  private static final AcmeChallenges NONE = new AcmeChallenges(Map.of());

  private final Map<String, String> answers;
  private final boolean empty;

  private AcmeChallenges(Map<String, String> answers) {
    this.answers = Map.copyOf(answers);
    this.empty = answers.isEmpty();
  }

  /** No pending challenges. */
  public static AcmeChallenges none() {
    return NONE;
  }

  /**
   * The snapshot's challenges; each malformed one is a problem (field, description).
   *
   * @param problems told of each challenge that cannot be answered
   */
  public static AcmeChallenges of(
      List<AcmeChallenge> challenges, BiConsumer<String, String> problems) {
    if (challenges.isEmpty()) {
      return NONE;
    }
    Map<String, String> answers = new HashMap<>();
    for (int i = 0; i < challenges.size(); i++) {
      AcmeChallenge c = challenges.get(i);
      String field = "acme_challenges[" + i + "]";
      if (!isBase64Url(c.getToken())) {
        problems.accept(field + ".token", "must be a non-empty base64url token");
      } else if (!c.getKeyAuthorization().startsWith(c.getToken() + ".")) {
        problems.accept(field + ".key_authorization", "must be the token, a dot, a thumbprint");
      } else {
        answers.put(c.getToken(), c.getKeyAuthorization());
      }
    }
    return new AcmeChallenges(answers);
  }

  /** Whether there is nothing to answer: the request path's only check when no order runs. */
  public boolean isEmpty() {
    return empty;
  }

  /** The key authorization to answer for a request path, or null when it is no known challenge. */
  public @Nullable String answer(String path) {
    if (!path.startsWith(PATH_PREFIX)) {
      return null;
    }
    return answers.get(path.substring(PATH_PREFIX.length()));
  }

  private static boolean isBase64Url(String token) {
    if (token.isEmpty()) {
      return false;
    }
    for (int i = 0; i < token.length(); i++) {
      char ch = token.charAt(i);
      boolean ok =
          (ch >= 'a' && ch <= 'z')
              || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9')
              || ch == '-'
              || ch == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
