package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.rules.HeaderTemplates.Literal;
import dev.concierge.api.rules.HeaderTemplates.Reference;
import dev.concierge.api.rules.HeaderTemplates.Variable;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.HeaderMutations;
import dev.concierge.api.v1.HeaderValue;
import dev.concierge.api.v1.RegexRewrite;
import dev.concierge.api.v1.RouteMatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RewriteRulesTest {
  private static final RouteMatch PREFIX = RouteMatch.newBuilder().setPathPrefix("/v1").build();

  private static List<String> violations(ForwardAction.Builder forward, RouteMatch match) {
    List<String> found = new ArrayList<>();
    RewriteRules.check(
        forward.build(), match, "route.forward", (field, why) -> found.add(field + ": " + why));
    return found;
  }

  private static HeaderValue header(String name, String value) {
    return HeaderValue.newBuilder().setName(name).setValue(value).build();
  }

  @Test
  void acceptsEveryRewrite() {
    assertThat(
            violations(
                ForwardAction.newBuilder()
                    .setPrefixRewrite("/v2")
                    .setHost("api.internal:8443")
                    .setRequestHeaders(
                        HeaderMutations.newBuilder()
                            .addAdd(header("X-Client", "${client_ip} via ${route}"))
                            .addSet(header("X-Request-Id", "${request_id}"))
                            .addSet(header("X-Origin", "${scheme}://${host}, $$5"))
                            .addRemove("Cookie"))
                    .setResponseHeaders(
                        HeaderMutations.newBuilder()
                            .addAdd(header("Cache-Control", "no-store"))
                            .addRemove("Server")),
                PREFIX))
        .isEmpty();
    assertThat(
            violations(
                ForwardAction.newBuilder()
                    .setRegexRewrite(
                        RegexRewrite.newBuilder()
                            .setPattern("^/u/([0-9]+)")
                            .setSubstitution("/users/$1"))
                    .setEndpointHost(true),
                RouteMatch.getDefaultInstance()))
        .isEmpty();
    assertThat(violations(ForwardAction.newBuilder().setHost("[2001:db8::1]:80"), PREFIX))
        .isEmpty();
  }

  @Test
  void namesWhatIsWrongWithEachRewrite() {
    assertThat(
            violations(
                ForwardAction.newBuilder().setPrefixRewrite("v2 x").setHost("a b"),
                RouteMatch.newBuilder().setPathExact("/x").build()))
        .containsExactly(
            "route.forward.prefix_rewrite: replaces the matched prefix: the route needs"
                + " match.path_prefix",
            "route.forward.prefix_rewrite: must start with \"/\"",
            "route.forward.prefix_rewrite: must not contain spaces or control characters"
                + " (percent-encode them)",
            "route.forward.host: \"a b\" must be a DNS name (letters, digits, hyphens and dots)");
    assertThat(
            violations(
                ForwardAction.newBuilder()
                    .setRegexRewrite(
                        RegexRewrite.newBuilder().setPattern("a".repeat(1025)).setSubstitution("/"))
                    .setEndpointHost(false),
                PREFIX))
        .containsExactly(
            "route.forward.regex_rewrite.pattern: must be 1-1024 characters",
            "route.forward.endpoint_host: must be true when set (unset keeps the client's)");
    assertThat(
            violations(
                ForwardAction.newBuilder()
                    .setRegexRewrite(
                        RegexRewrite.newBuilder().setPattern("/(a)").setSubstitution("/$2"))
                    .setHost("api:99999"),
                PREFIX))
        .containsExactly(
            "route.forward.regex_rewrite.substitution: $2 names a group the pattern does not"
                + " have (it has 1)",
            "route.forward.host: \"api:99999\" has no port 1-65535 after \":\"");
  }

  @Test
  void refusesBadAndReservedHeaderMutations() {
    assertThat(
            violations(
                ForwardAction.newBuilder()
                    .setRequestHeaders(
                        HeaderMutations.newBuilder()
                            .addAdd(header("X y", "1"))
                            .addAdd(header("X-A", "a\r\nInjected: 1"))
                            .addAdd(header("X-B", "${nope}"))
                            .addSet(header("X-Forwarded-Proto", "https"))
                            .addSet(header("x-c", "1"))
                            .addSet(header("X-C", "2"))
                            .addRemove("Via"))
                    .setResponseHeaders(
                        HeaderMutations.newBuilder()
                            .addSet(header("Content-Length", "1"))
                            .addRemove("Connection")
                            .addAdd(header("X-D", "cost $5"))),
                PREFIX))
        .containsExactly(
            "route.forward.request_headers.add[0].name: \"X y\" is not a header name (letters,"
                + " digits and !#$%&'*+-.^_`|~ only)",
            "route.forward.request_headers.add[1].value: must be printable ASCII (tabs allowed;"
                + " no CR, LF or other control characters)",
            "route.forward.request_headers.add[2].value: unknown variable \"${nope}\"; known:"
                + " ${client_ip}, ${request_id}, ${route}, ${host}, ${scheme}",
            "route.forward.request_headers.set[0].name: X-Forwarded-Proto belongs to the node"
                + " (hop-by-hop, framing, Host or forwarding headers) and cannot be changed",
            "route.forward.request_headers.set[2].name: sets the header of [1] again",
            "route.forward.request_headers.remove[0]: Via belongs to the node (hop-by-hop,"
                + " framing, Host or forwarding headers) and cannot be changed",
            "route.forward.response_headers.add[0].value: \"$\" at 5 starts neither"
                + " \"${variable}\" nor \"$$\" (a literal \"$\")",
            "route.forward.response_headers.set[0].name: Content-Length belongs to the node"
                + " (hop-by-hop, framing, Host or forwarding headers) and cannot be changed",
            "route.forward.response_headers.remove[0]: Connection belongs to the node"
                + " (hop-by-hop, framing, Host or forwarding headers) and cannot be changed");
  }

  @Test
  void parsesTemplatesIntoLiteralsAndVariables() {
    assertThat(HeaderTemplates.parse("")).isEmpty();
    assertThat(HeaderTemplates.parse("${client_ip}, $$1 ${route}"))
        .containsExactly(
            new Reference(Variable.CLIENT_IP), new Literal(", $1 "), new Reference(Variable.ROUTE));
    assertThatThrownBy(() -> HeaderTemplates.parse("${host"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
