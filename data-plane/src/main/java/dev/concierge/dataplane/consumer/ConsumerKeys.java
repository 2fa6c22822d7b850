package dev.concierge.dataplane.consumer;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.ResourceIds;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Every API key of a snapshot's consumers, by the key's SHA-256: a presented key costs one hash and
 * one map lookup, without locks. Built once per snapshot. Immutable and thread-safe.
 */
public final class ConsumerKeys {
  private static final ConsumerKeys EMPTY = new ConsumerKeys(Map.of());

  private final Map<KeyHash, Holder> byHash;

  /** The consumer a key belongs to, and when the key expires (epoch ms; MAX_VALUE: never). */
  public record Holder(String consumer, long expireEpochMillis) {
    public Holder {
      requireNonNull(consumer, "consumer");
    }
  }

  private ConsumerKeys(Map<KeyHash, Holder> byHash) {
    this.byHash = byHash;
  }

  /** No keys at all. */
  public static ConsumerKeys empty() {
    return EMPTY;
  }

  /** The keys of {@code snapshot}'s consumers (which passed the shared rules). */
  public static ConsumerKeys of(ConfigSnapshot snapshot) {
    Map<KeyHash, Holder> byHash = new HashMap<>();
    for (Consumer consumer : snapshot.getConsumersList()) {
      String id = consumerId(consumer.getName());
      for (ConsumerKey key : consumer.getKeysList()) {
        long expires =
            key.hasExpireTime()
                ? ProtoTime.instant(key.getExpireTime()).toEpochMilli()
                : Long.MAX_VALUE;
        byHash.put(KeyHash.of(key.getSha256().toByteArray()), new Holder(id, expires));
      }
    }
    return byHash.isEmpty() ? EMPTY : new ConsumerKeys(Map.copyOf(byHash));
  }

  /** The holder of {@code key} if it is a key of a consumer, expired or not. */
  public @Nullable Holder find(String key) {
    return byHash.isEmpty() ? null : byHash.get(KeyHash.ofKey(key));
  }

  /** How many keys there are. */
  public int size() {
    return byHash.size();
  }

  /** The ids of {@code names} ("consumers/alice"), or null for none: then any consumer passes. */
  static @Nullable Set<String> allowedIds(List<String> names) {
    if (names.isEmpty()) {
      return null;
    }
    Set<String> ids = new HashSet<>();
    names.forEach(name -> ids.add(consumerId(name)));
    return Set.copyOf(ids);
  }

  /** "alice" of "consumers/alice": the name backends and the access log see. */
  static String consumerId(String name) {
    return name.startsWith(ResourceIds.CONSUMERS)
        ? name.substring(ResourceIds.CONSUMERS.length())
        : name;
  }
}
