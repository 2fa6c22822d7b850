package dev.concierge.api.rules;

import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.HeaderMutations;
import dev.concierge.api.v1.HeaderValue;
import dev.concierge.api.v1.RouteMatch;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a forward's rewrites: the path (prefix or regex), the Host sent upstream, and the
 * request and response header mutations with their value templates ({@link HeaderTemplates}).
 */
public final class RewriteRules {
  /** Most entries in each of a mutation's add, set and remove lists. */
  public static final int MAX_MUTATIONS = 32;

  /**
   * Header names the node owns, in lower case: hop-by-hop headers, the message framing, Host (see
   * ForwardAction.host) and this hop's forwarding headers. Names starting with "proxy-" or
   * "x-forwarded-" are refused too.
   */
  private static final Set<String> RESERVED =
      Set.of(
          "connection",
          "keep-alive",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          "forwarded",
          "via");

  private RewriteRules() {}

  static void check(ForwardAction forward, RouteMatch match, String prefix, ViolationSink sink) {
    switch (forward.getPathRewriteCase()) {
      case PREFIX_REWRITE -> {
        String field = prefix + ".prefix_rewrite";
        if (match.getPathCase() != RouteMatch.PathCase.PATH_PREFIX) {
          sink.add(field, "replaces the matched prefix: the route needs match.path_prefix");
        }
        if (!forward.getPrefixRewrite().startsWith("/")) {
          sink.add(field, "must start with \"/\"");
        }
        RouteActions.location(forward.getPrefixRewrite(), field, sink);
      }
      case REGEX_REWRITE ->
          RouteActions.regexRewrite(forward.getRegexRewrite(), prefix + ".regex_rewrite", sink);
      default -> {}
    }
    switch (forward.getHostRewriteCase()) {
      case HOST -> {
        String problem = hostProblem(forward.getHost());
        if (problem != null) {
          sink.add(prefix + ".host", problem);
        }
      }
      case ENDPOINT_HOST -> {
        if (!forward.getEndpointHost()) {
          sink.add(prefix + ".endpoint_host", "must be true when set (unset keeps the client's)");
        }
      }
      default -> {}
    }
    if (forward.hasRequestHeaders()) {
      mutations(forward.getRequestHeaders(), prefix + ".request_headers", sink);
    }
    if (forward.hasResponseHeaders()) {
      mutations(forward.getResponseHeaders(), prefix + ".response_headers", sink);
    }
  }

  /** What is wrong with {@code host} ("name", "name:port", "[v6]:port") as a Host, or null. */
  static @Nullable String hostProblem(String host) {
    String name = host;
    int colon = host.lastIndexOf(':');
    boolean bracketed = host.startsWith("[");
    if (colon > 0 && (bracketed ? host.charAt(colon - 1) == ']' : host.indexOf(':') == colon)) {
      name = host.substring(0, colon);
      String port = host.substring(colon + 1);
      if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
        return "\"" + host + "\" has no port 1-65535 after \":\"";
      }
      int number = Integer.parseInt(port);
      if (number < 1 || number > 65535) {
        return "\"" + host + "\" has no port 1-65535 after \":\"";
      }
    } else if (!bracketed && colon >= 0) {
      return "\"" + host + "\": write an IPv6 literal in brackets (\"[2001:db8::1]\")";
    }
    return EndpointHosts.problem(name);
  }

  private static void mutations(HeaderMutations mutations, String prefix, ViolationSink sink) {
    list(mutations.getAddList(), prefix + ".add", false, sink);
    list(mutations.getSetList(), prefix + ".set", true, sink);
    if (mutations.getRemoveCount() > MAX_MUTATIONS) {
      sink.add(prefix + ".remove", "must have at most " + MAX_MUTATIONS + " names");
    }
    for (int i = 0; i < mutations.getRemoveCount(); i++) {
      name(mutations.getRemove(i), prefix + ".remove[" + i + "]", sink);
    }
  }

  private static void list(
      List<HeaderValue> values, String prefix, boolean unique, ViolationSink sink) {
    if (values.size() > MAX_MUTATIONS) {
      sink.add(prefix, "must have at most " + MAX_MUTATIONS + " headers");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < values.size(); i++) {
      HeaderValue header = values.get(i);
      String field = prefix + "[" + i + "]";
      name(header.getName(), field + ".name", sink);
      if (unique) {
        Integer first = seen.putIfAbsent(header.getName().toLowerCase(Locale.ROOT), i);
        if (first != null) {
          sink.add(field + ".name", "sets the header of [" + first + "] again");
        }
      }
      value(header.getValue(), field + ".value", sink);
    }
  }

  private static void name(String name, String field, ViolationSink sink) {
    String problem = RequestMatchRules.headerNameProblem(name);
    if (problem != null) {
      sink.add(field, problem);
      return;
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (RESERVED.contains(lower)
        || lower.startsWith("proxy-")
        || lower.startsWith("x-forwarded-")) {
      sink.add(
          field,
          name
              + " belongs to the node (hop-by-hop, framing, Host or forwarding headers) and cannot"
              + " be changed"
              + (lower.equals("host") ? "; see forward.host" : ""));
    }
  }

  private static void value(String value, String field, ViolationSink sink) {
    if (value.length() > RequestMatchRules.MAX_VALUE) {
      sink.add(field, "must be at most " + RequestMatchRules.MAX_VALUE + " characters");
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c >= 0x7f) {
        sink.add(
            field, "must be printable ASCII (tabs allowed; no CR, LF or other control characters)");
        return;
      }
    }
    try {
      HeaderTemplates.parse(value);
    } catch (IllegalArgumentException e) {
      sink.add(field, String.valueOf(e.getMessage()));
    }
  }
}
