package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.concierge.api.rules.ConsumerRules;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerCredentials;
import dev.concierge.api.v1.ConsumerKey;
import dev.concierge.api.v1.CreateConsumerKeyResponse;
import dev.concierge.controlplane.auth.Caller;
import dev.concierge.controlplane.consumer.ApiKeys;
import dev.concierge.controlplane.consumer.PasswordHashes;
import dev.concierge.controlplane.consumer.SealedCredentials;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.ResourceKind;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.StoreException;
import dev.concierge.controlplane.store.Stored;
import java.time.Clock;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * The writes of a consumer's credentials, each a read-modify-write of the consumer's sealed column
 * guarded by its etag (so it is a revision of its own, and nodes hear of it like of any write): a
 * new API key (returned once; only its SHA-256 kept), a key deleted, Basic credentials set (the
 * password hashed here, or a bcrypt/argon2id hash taken as it is) or deleted. What it returns, and
 * what {@link #get} returns, never holds a key, a password or a hash. Thread-safe.
 */
final class ConsumerCredentialFlow {
  private static final int ATTEMPTS = 3;
  private static final ResourceKind KIND = ResourceKind.CONSUMER;

  private final ConfigStore store;
  private final SealedCredentials sealed;
  private final Clock clock;
  private final RandomGenerator random;

  /**
   * @param random draws keys, key ids and salts: a cryptographically strong generator
   */
  ConsumerCredentialFlow(
      ConfigStore store, SealedCredentials sealed, Clock clock, RandomGenerator random) {
    this.store = requireNonNull(store, "store");
    this.sealed = requireNonNull(sealed, "sealed");
    this.clock = requireNonNull(clock, "clock");
    this.random = requireNonNull(random, "random");
  }

  /** The consumer with its key ids, prefixes and usernames, without secrets. */
  Consumer get(String name) {
    Stored<Consumer> stored = found(name);
    return SealedCredentials.forPeople(stored.resource(), credentials(stored));
  }

  /** A new key of the consumer, returned once with its metadata. */
  CreateConsumerKeyResponse createKey(String name, Timestamp expireTime) {
    checkName(name);
    Timestamp now = ProtoTime.timestamp(clock.instant());
    if (expireTime.getSeconds() != 0 || expireTime.getNanos() != 0) {
      if (ProtoTime.instant(expireTime).isBefore(clock.instant())) {
        throw new FieldViolations()
            .add("expire_time", "must be in the future")
            .toException("consumer", name);
      }
    }
    String secret = ApiKeys.newKey(random);
    ConsumerKey.Builder key =
        ConsumerKey.newBuilder()
            .setDisplayPrefix(ApiKeys.displayPrefix(secret))
            .setCreateTime(now)
            .setSha256(ByteString.copyFrom(ApiKeys.sha256(secret)));
    if (expireTime.getSeconds() != 0 || expireTime.getNanos() != 0) {
      key.setExpireTime(expireTime);
    }
    ConsumerKey[] written = new ConsumerKey[1];
    edit(
        name,
        credentials -> {
          if (credentials.getKeysCount() >= ConsumerRules.MAX_KEYS) {
            throw new FieldViolations()
                .add("name", "a consumer holds at most " + ConsumerRules.MAX_KEYS + " keys")
                .toException("consumer", name);
          }
          String id;
          do {
            id = ApiKeys.newId(random);
          } while (keyIndex(credentials, id) >= 0);
          written[0] = key.setId(id).build();
          return credentials.toBuilder().addKeys(written[0]).build();
        });
    return CreateConsumerKeyResponse.newBuilder()
        .setKey(written[0].toBuilder().clearSha256())
        .setSecret(secret)
        .build();
  }

  /** The consumer without the key {@code keyId}. */
  Consumer deleteKey(String name, String keyId) {
    checkName(name);
    return edit(
        name,
        credentials -> {
          int index = keyIndex(credentials, keyId);
          if (index < 0) {
            throw new StoreException(
                StoreException.Reason.NOT_FOUND,
                "consumer \"" + name + "\" has no key \"" + keyId + "\"");
          }
          return credentials.toBuilder().removeKeys(index).build();
        });
  }

  /** The consumer with Basic credentials for {@code username}, added or replaced. */
  Consumer setBasic(String name, String username, String password, String passwordHash) {
    checkName(name);
    FieldViolations violations = new FieldViolations();
    String usernameProblem = ConsumerRules.usernameProblem(username);
    if (usernameProblem != null) {
      violations.add("username", usernameProblem);
    }
    if (password.isEmpty() == passwordHash.isEmpty()) {
      violations.add("password", "give exactly one of password and password_hash");
    } else if (!password.isEmpty()) {
      String problem = ConsumerRules.passwordProblem(password);
      if (problem != null) {
        violations.add("password", problem);
      }
    } else {
      String problem = ConsumerRules.passwordHashProblem(passwordHash);
      if (problem != null) {
        violations.add("password_hash", problem);
      }
    }
    violations.throwIfAny("consumer", name);
    checkUsernameFree(name, username);
    // Slow on purpose (bcrypt): once, outside the retried read-modify-write.
    String hash = password.isEmpty() ? passwordHash : PasswordHashes.bcrypt(password, random);
    BasicCredential credential =
        BasicCredential.newBuilder()
            .setUsername(username)
            .setPasswordHash(hash)
            .setCreateTime(ProtoTime.timestamp(clock.instant()))
            .build();
    return edit(
        name,
        credentials -> {
          ConsumerCredentials.Builder out = credentials.toBuilder();
          int index = basicIndex(credentials, username);
          if (index >= 0) {
            out.setBasicCredentials(index, credential);
          } else {
            out.addBasicCredentials(credential);
          }
          return out.build();
        });
  }

  /** The consumer without Basic credentials for {@code username}. */
  Consumer deleteBasic(String name, String username) {
    checkName(name);
    return edit(
        name,
        credentials -> {
          int index = basicIndex(credentials, username);
          if (index < 0) {
            throw new StoreException(
                StoreException.Reason.NOT_FOUND,
                "consumer \"" + name + "\" has no Basic credentials for \"" + username + "\"");
          }
          return credentials.toBuilder().removeBasicCredentials(index).build();
        });
  }

  /** Writes the edited credentials as one revision; reads and edits again on a concurrent write. */
  private Consumer edit(String name, UnaryOperator<ConsumerCredentials> change) {
    for (int attempt = 1; ; attempt++) {
      Stored<Consumer> stored = found(name);
      ConsumerCredentials after = change.apply(credentials(stored));
      try {
        Consumer written =
            store.update(
                ResourceTable.CONSUMERS,
                new Stored<>(stored.resource(), sealed.seal(after, name)),
                stored.resource().getEtag(),
                Caller.name());
        return SealedCredentials.forPeople(written, after);
      } catch (StoreException e) {
        if (e.reason() != StoreException.Reason.ETAG_MISMATCH || attempt == ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Refuses a username another consumer holds: a node finds Basic credentials by username. */
  private void checkUsernameFree(String name, String username) {
    for (Stored<Consumer> other : store.readConfig().consumers()) {
      String otherName = other.resource().getName();
      if (!otherName.equals(name) && basicIndex(credentials(other), username) >= 0) {
        throw new FieldViolations()
            .add("username", "\"" + username + "\" is already a username of " + otherName)
            .toException("consumer", name);
      }
    }
  }

  private ConsumerCredentials credentials(Stored<Consumer> stored) {
    return sealed.unseal(
        requireNonNull(stored.sealed(), "sealed credentials"), stored.resource().getName());
  }

  private Stored<Consumer> found(String name) {
    checkName(name);
    return store
        .getStored(ResourceTable.CONSUMERS, name)
        .orElseThrow(() -> StoreException.notFound(KIND, name));
  }

  private static void checkName(String name) {
    FieldViolations violations = new FieldViolations();
    ResourceNames.checkName(KIND, name, "name", violations);
    if (!violations.isEmpty()) {
      throw violations.toException("invalid request");
    }
  }

  private static int keyIndex(ConsumerCredentials credentials, String id) {
    for (int i = 0; i < credentials.getKeysCount(); i++) {
      if (credentials.getKeys(i).getId().equals(id)) {
        return i;
      }
    }
    return -1;
  }

  private static int basicIndex(ConsumerCredentials credentials, String username) {
    for (int i = 0; i < credentials.getBasicCredentialsCount(); i++) {
      if (credentials.getBasicCredentials(i).getUsername().equals(username)) {
        return i;
      }
    }
    return -1;
  }
}
