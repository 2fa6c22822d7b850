package dev.concierge.api.rules;

import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a consumer ({@code consumers/{id}}) and of its credentials, for the management API,
 * the CLI and every node alike: a description and labels of bounded size; Basic usernames of
 * printable ASCII without ':'; password hashes in bcrypt ($2a$, $2b$, $2y$) or argon2id (PHC
 * string) form; key hashes of 32 bytes.
 */
public final class ConsumerRules {
  /** Most labels of one consumer. */
  public static final int MAX_LABELS = 32;

  /** Longest label value. */
  public static final int MAX_LABEL_VALUE = 256;

  /** Longest Basic username. */
  public static final int MAX_USERNAME = 128;

  /** Most keys of one consumer. */
  public static final int MAX_KEYS = 100;

  /** Longest password bcrypt takes into account: longer ones are refused, not truncated. */
  public static final int MAX_BCRYPT_PASSWORD_BYTES = 72;

  /** Most memory an argon2id hash may ask of a node per check (256 MiB). */
  public static final int MAX_ARGON2_MEMORY_KB = 262_144;

  private static final Pattern LABEL_KEY = Pattern.compile("[a-z][a-z0-9_.-]{0,62}");
  private static final Pattern BCRYPT =
      Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");
  private static final Pattern ARGON2ID =
      Pattern.compile(
          "\\$argon2id\\$v=19\\$m=([0-9]{1,8}),t=([0-9]{1,4}),p=([0-9]{1,3})"
              + "\\$[A-Za-z0-9+/]{11,}\\$[A-Za-z0-9+/]{16,}");

  private ConsumerRules() {}

  /** Tells {@code sink} every broken field of {@code consumer}'s spec, under {@code prefix}. */
  public static void check(Consumer consumer, String prefix, ViolationSink sink) {
    FieldChecks.description(consumer.getDescription(), prefix + ".description", sink);
    Map<String, String> labels = consumer.getLabelsMap();
    if (labels.size() > MAX_LABELS) {
      sink.add(prefix + ".labels", "at most " + MAX_LABELS + " labels, not " + labels.size());
    }
    labels.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            label -> {
              if (!LABEL_KEY.matcher(label.getKey()).matches()) {
                sink.add(
                    prefix + ".labels[\"" + HttpMethods.printable(label.getKey()) + "\"]",
                    "a label key is 1-63 of [a-z0-9_.-], starting with a letter");
              } else if (label.getValue().length() > MAX_LABEL_VALUE) {
                sink.add(
                    prefix + ".labels[\"" + label.getKey() + "\"]",
                    "must be at most " + MAX_LABEL_VALUE + " characters");
              }
            });
  }

  /**
   * Tells {@code sink} every broken credential of a consumer as nodes receive it (hashes included),
   * under {@code prefix}.
   */
  public static void checkCredentials(Consumer consumer, String prefix, ViolationSink sink) {
    for (int i = 0; i < consumer.getKeysCount(); i++) {
      ConsumerKey key = consumer.getKeys(i);
      if (key.getSha256().size() != 32) {
        sink.add(prefix + ".keys[" + i + "].sha256", "must be 32 bytes (SHA-256)");
      }
    }
    for (int i = 0; i < consumer.getBasicCredentialsCount(); i++) {
      BasicCredential basic = consumer.getBasicCredentials(i);
      String field = prefix + ".basic_credentials[" + i + "]";
      String username = usernameProblem(basic.getUsername());
      if (username != null) {
        sink.add(field + ".username", username);
      }
      String hash = passwordHashProblem(basic.getPasswordHash());
      if (hash != null) {
        sink.add(field + ".password_hash", hash);
      }
    }
  }

  /**
   * Tells {@code sink} of every broken consumer of {@code snapshot}: names valid and unique, specs
   * and credentials valid, each Basic username held by one consumer only.
   */
  public static void checkSnapshot(ConfigSnapshot snapshot, ViolationSink sink) {
    Set<String> names = new HashSet<>();
    Map<String, String> usernames = new HashMap<>();
    for (int i = 0; i < snapshot.getConsumersCount(); i++) {
      Consumer consumer = snapshot.getConsumers(i);
      String prefix =
          ResourceIds.isName(ResourceIds.CONSUMERS, consumer.getName())
              ? consumer.getName()
              : "consumers[" + i + "]";
      String problem = ResourceIds.nameProblem(ResourceIds.CONSUMERS, consumer.getName());
      if (problem != null) {
        sink.add(prefix + ".name", problem);
      } else if (!names.add(consumer.getName())) {
        sink.add(prefix + ".name", "duplicate consumer name");
      }
      check(consumer, prefix, sink);
      checkCredentials(consumer, prefix, sink);
      for (int j = 0; j < consumer.getBasicCredentialsCount(); j++) {
        String username = consumer.getBasicCredentials(j).getUsername();
        String holder = usernames.putIfAbsent(username, consumer.getName());
        if (holder != null) {
          sink.add(
              prefix + ".basic_credentials[" + j + "].username",
              "username \"" + username + "\" is already " + holder + "'s");
        }
      }
    }
  }

  /** What is wrong with {@code username} as a Basic username, or {@code null}. */
  public static @Nullable String usernameProblem(String username) {
    if (username.isEmpty() || username.length() > MAX_USERNAME) {
      return "must be 1-" + MAX_USERNAME + " characters";
    }
    for (int i = 0; i < username.length(); i++) {
      char c = username.charAt(i);
      if (c <= 0x20 || c > 0x7e || c == ':') {
        return "printable ASCII without spaces or ':' only";
      }
    }
    return null;
  }

  /**
   * What is wrong with {@code hash} as a stored password hash, or {@code null}; never quotes the
   * hash.
   */
  public static @Nullable String passwordHashProblem(String hash) {
    if (BCRYPT.matcher(hash).matches()) {
      return null;
    }
    var argon = ARGON2ID.matcher(hash);
    if (argon.matches()) {
      long memoryKb = Long.parseLong(argon.group(1));
      int iterations = Integer.parseInt(argon.group(2));
      int parallelism = Integer.parseInt(argon.group(3));
      // Bounded: a node runs the hash for every new password it is shown.
      if (parallelism < 1
          || parallelism > 16
          || iterations < 1
          || iterations > 16
          || memoryKb < 8L * parallelism
          || memoryKb > MAX_ARGON2_MEMORY_KB) {
        return "argon2id parameters out of range (m 8p-"
            + MAX_ARGON2_MEMORY_KB
            + " KiB, t 1-16, p 1-16)";
      }
      return null;
    }
    return "must be a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31) or an argon2id PHC string"
        + " ($argon2id$v=19$m=...,t=...,p=...$salt$hash)";
  }

  /** What is wrong with {@code password} for bcrypt hashing, or {@code null}; never quotes it. */
  public static @Nullable String passwordProblem(String password) {
    if (password.isEmpty()) {
      return "must not be empty";
    }
    if (password.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        > MAX_BCRYPT_PASSWORD_BYTES) {
      return "must be at most "
          + MAX_BCRYPT_PASSWORD_BYTES
          + " bytes (bcrypt ignores the rest); bring an argon2id hash for longer ones";
    }
    return null;
  }
}
