package dev.concierge.dataplane.consumer;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.ConsumerAuthRules;
import dev.concierge.api.v1.BasicAuth;
import dev.concierge.dataplane.chain.PolicyKey;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A route's compiled basic_auth: the snapshot's Basic credentials, which consumers may pass,
 * whether Authorization is stripped, and the challenge of a 401. A route without basic_auth gets
 * {@link #none()}, which costs a slot read. Immutable and thread-safe.
 */
public final class BasicAuthPolicy {
  private static final List<String> AUTHORIZATION = List.of(HttpHeader.AUTHORIZATION.asString());
  private static final BasicAuthPolicy NONE =
      new BasicAuthPolicy("", true, null, BasicCredentials.empty(), "");

  /** The key of the policy; a route without one asks for no credentials. */
  public static final PolicyKey<BasicAuthPolicy> KEY =
      PolicyKey.of("basic_auth", BasicAuthPolicy.class, NONE);

  private final String policy;
  private final boolean hide;
  private final @Nullable Set<String> allowed;
  private final BasicCredentials credentials;
  private final String challenge;

  private BasicAuthPolicy(
      String policy,
      boolean hide,
      @Nullable Set<String> allowed,
      BasicCredentials credentials,
      String realm) {
    this.policy = requireNonNull(policy, "policy");
    this.hide = hide;
    this.allowed = allowed;
    this.credentials = requireNonNull(credentials, "credentials");
    this.challenge = "Basic realm=\"" + realm + "\", charset=\"UTF-8\"";
  }

  /** Asks for no credentials: the policy of a route without basic_auth. */
  public static BasicAuthPolicy none() {
    return NONE;
  }

  /**
   * The policy {@code name}'s settings (which passed the shared rules) over {@code credentials}.
   */
  public static BasicAuthPolicy of(String name, BasicAuth basicAuth, BasicCredentials credentials) {
    return new BasicAuthPolicy(
        name,
        ConsumerAuthRules.hidesCredentials(basicAuth),
        ConsumerKeys.allowedIds(basicAuth.getAllowedConsumersList()),
        credentials,
        ConsumerAuthRules.realm(basicAuth.getRealm()));
  }

  /** Whether this is {@link #none()}. */
  public boolean isNone() {
    return this == NONE;
  }

  /** The entry of {@code username}, or null when no consumer has it. */
  BasicCredentials.@Nullable Entry entry(String username) {
    return credentials.find(username);
  }

  /** Whether {@code consumer} (an id) may pass. */
  boolean allows(String consumer) {
    Set<String> only = allowed;
    return only == null || only.contains(consumer);
  }

  /** The request as {@code consumer}'s goes upstream: named, without Authorization if hidden. */
  Request forward(Request request, String consumer) {
    return ForwardedAs.of(request, consumer, hide ? AUTHORIZATION : List.of(), Set.of());
  }

  /** The WWW-Authenticate value of a 401 (RFC 7617). */
  String challenge() {
    return challenge;
  }

  @Override
  public String toString() {
    return isNone() ? "none" : "basic_auth " + policy;
  }
}
