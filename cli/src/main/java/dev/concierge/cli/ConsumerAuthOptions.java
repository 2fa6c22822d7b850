package dev.concierge.cli;

import com.google.protobuf.FieldMask;
import dev.concierge.api.rules.ConsumerAuthRules;
import dev.concierge.api.v1.BasicAuth;
import dev.concierge.api.v1.KeyAuth;
import dev.concierge.api.v1.Policy;
import java.io.PrintWriter;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * What a key_auth or basic_auth policy is made of, for {@code policy create} and {@code update}:
 * only what is given (a repeated option given on update replaces that list). On update the options
 * apply to the policy's own kind.
 */
final class ConsumerAuthOptions {
  @Option(
      names = "--key-auth",
      description =
          "Make an API-key policy: requests need a key of a consumer (concierge consumer key"
              + " create), else 401.")
  boolean keyAuth;

  @Option(
      names = "--basic-auth",
      description =
          "Make an HTTP Basic policy: requests need a consumer's Basic credentials, else 401.")
  boolean basicAuth;

  @Option(
      names = "--key-name",
      paramLabel = "NAME",
      description =
          "A header (and with --key-in-query, query parameter) the key is read from (default:"
              + " apikey, X-Api-Key); repeat for more.")
  @Nullable List<String> keyNames;

  @Option(
      names = "--key-in-query",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description = "Also read the key from a query parameter of a key name (default false).")
  @Nullable Boolean keyInQuery;

  @Option(
      names = "--hide-credentials",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Strip the credential before the request goes upstream (default true; false passes it"
              + " on).")
  @Nullable Boolean hideCredentials;

  @Option(
      names = "--allowed-consumer",
      paramLabel = "CONSUMER",
      description =
          "Only this consumer may pass (id or consumers/ID; default: any consumer); repeat for"
              + " more.")
  @Nullable List<String> allowedConsumers;

  @Option(
      names = "--realm",
      paramLabel = "REALM",
      description = "The realm of WWW-Authenticate on a 401 (default concierge).")
  @Nullable String realm;

  boolean given() {
    return keyAuth
        || basicAuth
        || keyNames != null
        || keyInQuery != null
        || hideCredentials != null
        || allowedConsumers != null
        || realm != null;
  }

  /** Why the options given do not make one policy kind, or null. */
  @Nullable String problem(Policy current) {
    if (keyAuth && basicAuth) {
      return "--key-auth and --basic-auth make two policies: create one of each";
    }
    if (!keyAuth && !basicAuth && !current.hasKeyAuth() && !current.hasBasicAuth()) {
      return "give --key-auth or --basic-auth with --key-name, --realm, --hide-credentials or"
          + " --allowed-consumer";
    }
    if (isBasic(current) && (keyNames != null || keyInQuery != null)) {
      return "--key-name and --key-in-query are API-key (--key-auth) options";
    }
    return null;
  }

  private boolean isBasic(Policy current) {
    return basicAuth || (!keyAuth && current.hasBasicAuth());
  }

  /**
   * Sets what was given onto {@code current}'s key_auth or basic_auth, on {@code policy}, and names
   * it in {@code mask}.
   */
  void applyTo(Policy.Builder policy, Policy current, FieldMask.Builder mask) {
    if (!given()) {
      return;
    }
    @Nullable List<String> allowed =
        allowedConsumers == null
            ? null
            : allowedConsumers.stream().map(c -> "consumers/" + Names.CONSUMER.id(c)).toList();
    if (isBasic(current)) {
      BasicAuth.Builder basic = current.getBasicAuth().toBuilder();
      if (realm != null) {
        basic.setRealm(realm);
      }
      if (hideCredentials != null) {
        basic.setHideCredentials(hideCredentials);
      }
      if (allowed != null) {
        basic.clearAllowedConsumers().addAllAllowedConsumers(allowed);
      }
      policy.setBasicAuth(basic);
      mask.addPaths("basic_auth");
      return;
    }
    KeyAuth.Builder key = current.getKeyAuth().toBuilder();
    if (keyNames != null) {
      key.clearKeyNames().addAllKeyNames(keyNames);
    }
    if (keyInQuery != null) {
      key.setKeyInQuery(keyInQuery);
    }
    if (realm != null) {
      key.setRealm(realm);
    }
    if (hideCredentials != null) {
      key.setHideCredentials(hideCredentials);
    }
    if (allowed != null) {
      key.clearAllowedConsumers().addAllAllowedConsumers(allowed);
    }
    policy.setKeyAuth(key);
    mask.addPaths("key_auth");
  }

  /** The KIND column of {@code policy list}, or null when it is neither kind. */
  static @Nullable String kind(Policy policy) {
    return policy.hasKeyAuth() ? "key-auth" : policy.hasBasicAuth() ? "basic-auth" : null;
  }

  /** {@code get}: the settings of {@code policy}, one line each, when it is one of the kinds. */
  static void print(PrintWriter out, Policy policy) {
    if (policy.hasKeyAuth()) {
      KeyAuth key = policy.getKeyAuth();
      out.println(
          "key names: "
              + String.join(", ", ConsumerAuthRules.keyNames(key))
              + (key.getKeyInQuery() ? " (headers and query)" : " (headers)"));
      common(
          out,
          ConsumerAuthRules.realm(key.getRealm()),
          ConsumerAuthRules.hidesCredentials(key),
          key.getAllowedConsumersList());
    } else if (policy.hasBasicAuth()) {
      BasicAuth basic = policy.getBasicAuth();
      common(
          out,
          ConsumerAuthRules.realm(basic.getRealm()),
          ConsumerAuthRules.hidesCredentials(basic),
          basic.getAllowedConsumersList());
    }
  }

  private static void common(PrintWriter out, String realm, boolean hides, List<String> allowed) {
    out.println("realm: " + realm);
    out.println("hide credentials: " + (hides ? "yes" : "no"));
    out.println(
        "allowed consumers: "
            + (allowed.isEmpty()
                ? "any"
                : String.join(", ", allowed.stream().map(ResourceCommand::id).toList())));
  }
}
