package dev.concierge.dataplane.consumer;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.ConsumerAuthRules;
import dev.concierge.api.v1.KeyAuth;
import dev.concierge.dataplane.chain.PolicyKey;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A route's compiled key_auth: where the key is read (headers, then query parameters), the
 * snapshot's keys, which consumers may pass, whether the credential is stripped, and the challenge
 * of a 401. A route without key_auth gets {@link #none()}, which costs a slot read. Immutable and
 * thread-safe.
 */
public final class KeyAuthPolicy {
  private static final KeyAuthPolicy NONE =
      new KeyAuthPolicy("", List.of(), List.of(), true, null, ConsumerKeys.empty(), "");

  /** The key of the policy; a route without one asks for no key. */
  public static final PolicyKey<KeyAuthPolicy> KEY =
      PolicyKey.of("key_auth", KeyAuthPolicy.class, NONE);

  private final String policy;
  private final List<String> headerNames;
  private final List<String> queryNames;
  private final Set<String> queryNameSet;
  private final boolean hide;
  private final @Nullable Set<String> allowed;
  private final ConsumerKeys keys;
  private final String challenge;

  private KeyAuthPolicy(
      String policy,
      List<String> headerNames,
      List<String> queryNames,
      boolean hide,
      @Nullable Set<String> allowed,
      ConsumerKeys keys,
      String realm) {
    this.policy = requireNonNull(policy, "policy");
    this.headerNames = List.copyOf(headerNames);
    this.queryNames = List.copyOf(queryNames);
    this.queryNameSet = Set.copyOf(queryNames);
    this.hide = hide;
    this.allowed = allowed == null ? null : Set.copyOf(allowed);
    this.keys = requireNonNull(keys, "keys");
    this.challenge = "Key realm=\"" + realm + "\"";
  }

  /** Asks for no key: the policy of a route without key_auth. */
  public static KeyAuthPolicy none() {
    return NONE;
  }

  /** The policy {@code name}'s settings (which passed the shared rules) over {@code keys}. */
  public static KeyAuthPolicy of(String name, KeyAuth keyAuth, ConsumerKeys keys) {
    List<String> names = ConsumerAuthRules.keyNames(keyAuth);
    return new KeyAuthPolicy(
        name,
        names,
        keyAuth.getKeyInQuery() ? names : List.of(),
        ConsumerAuthRules.hidesCredentials(keyAuth),
        ConsumerKeys.allowedIds(keyAuth.getAllowedConsumersList()),
        keys,
        ConsumerAuthRules.realm(keyAuth.getRealm()));
  }

  /** Whether this is {@link #none()}. */
  public boolean isNone() {
    return this == NONE;
  }

  /** The key the request presents: the first key header, else the first key query parameter. */
  @Nullable String presentedKey(Request request) {
    for (String name : headerNames) {
      String value = request.getHeaders().get(name);
      if (value != null && !value.isEmpty()) {
        return value;
      }
    }
    if (!queryNames.isEmpty()) {
      String query = request.getHttpURI().getQuery();
      for (String name : queryNames) {
        String value = ForwardedAs.queryParameter(query, name);
        if (value != null && !value.isEmpty()) {
          return value;
        }
      }
    }
    return null;
  }

  /** The holder of {@code key}, or null when no consumer has it. */
  ConsumerKeys.@Nullable Holder holder(String key) {
    return keys.find(key);
  }

  /** Whether {@code consumer} (an id) may pass. */
  boolean allows(String consumer) {
    Set<String> only = allowed;
    return only == null || only.contains(consumer);
  }

  /** The request as {@code consumer}'s goes upstream: named, and without the key if hidden. */
  Request forward(Request request, String consumer) {
    return hide
        ? ForwardedAs.of(request, consumer, headerNames, queryNameSet)
        : ForwardedAs.of(request, consumer, List.of(), Set.of());
  }

  /** Query parameters whose values the access log must not show (the key's, when read there). */
  public Set<String> secretQueryParams() {
    return queryNameSet;
  }

  /** The WWW-Authenticate value of a 401 ({@code Key realm="..."}, as Kong's). */
  String challenge() {
    return challenge;
  }

  @Override
  public String toString() {
    return isNone() ? "none" : "key_auth " + policy;
  }
}
