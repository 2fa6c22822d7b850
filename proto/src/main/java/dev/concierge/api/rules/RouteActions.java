package dev.concierge.api.rules;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.concierge.api.v1.DirectResponseAction;
import dev.concierge.api.v1.RedirectAction;
import dev.concierge.api.v1.RegexRewrite;
import dev.concierge.api.v1.RouteMatch;
import java.util.Set;

/** The rules of the actions a node answers itself: redirects and direct responses. */
public final class RouteActions {
  /** The statuses a redirect may answer. */
  public static final Set<Integer> REDIRECT_STATUSES = Set.of(301, 302, 303, 307, 308);

  /** A redirect without a status answers this. */
  public static final int DEFAULT_REDIRECT_STATUS = 301;

  /** Largest direct response body: 64 KiB. */
  public static final int MAX_BODY = 64 * 1024;

  /** A direct response without a content type is sent as this. */
  public static final String DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8";

  private RouteActions() {}

  static void redirect(
      RedirectAction redirect, RouteMatch match, String field, ViolationSink sink) {
    if (redirect.getStatus() != 0 && !REDIRECT_STATUSES.contains(redirect.getStatus())) {
      sink.add(field + ".status", "must be 301, 302, 303, 307 or 308, not " + redirect.getStatus());
    }
    String scheme = redirect.getScheme();
    if (!scheme.isEmpty() && !scheme.equals("http") && !scheme.equals("https")) {
      sink.add(field + ".scheme", "must be http or https (or empty: the request's)");
    }
    if (!redirect.getHost().isEmpty()) {
      String problem = EndpointHosts.problem(redirect.getHost());
      if (problem != null) {
        sink.add(field + ".host", problem);
      }
    }
    FieldChecks.atMost(
        Integer.toUnsignedLong(redirect.getPort()), 65535, "65535", field + ".port", sink);
    switch (redirect.getPathRewriteCase()) {
      case PATH -> {
        if (!redirect.getPath().startsWith("/")) {
          sink.add(field + ".path", "must start with \"/\"");
        }
        location(redirect.getPath(), field + ".path", sink);
      }
      case PREFIX -> {
        if (match.getPathCase() != RouteMatch.PathCase.PATH_PREFIX) {
          sink.add(
              field + ".prefix", "replaces the matched prefix: the route needs match.path_prefix");
        }
        if (!redirect.getPrefix().startsWith("/")) {
          sink.add(field + ".prefix", "must start with \"/\"");
        }
        location(redirect.getPrefix(), field + ".prefix", sink);
      }
      case REGEX -> regexRewrite(redirect.getRegex(), field + ".regex", sink);
      default -> {}
    }
  }

  static void directResponse(DirectResponseAction response, String field, ViolationSink sink) {
    if (response.getStatus() < 200 || response.getStatus() > 599) {
      sink.add(field + ".status", "must be 200-599, not " + response.getStatus());
    }
    if (response.getBody().length() > MAX_BODY) {
      sink.add(field + ".body", "must be at most 64 KiB");
    }
    String type = response.getContentType();
    for (int i = 0; i < type.length(); i++) {
      char c = type.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sink.add(field + ".content_type", "must not contain control characters");
        break;
      }
    }
  }

  /**
   * The rules of a regex path rewrite (a redirect's or a forward's): an RE2 pattern within the
   * length guard, a substitution naming only groups the pattern has and fit for a path.
   */
  static void regexRewrite(RegexRewrite rewrite, String field, ViolationSink sink) {
    String pattern = rewrite.getPattern();
    if (pattern.isEmpty() || pattern.length() > RequestMatchRules.MAX_REGEX) {
      sink.add(field + ".pattern", "must be 1-" + RequestMatchRules.MAX_REGEX + " characters");
    } else {
      try {
        int groups = Pattern.compile(pattern).groupCount();
        String substitution = rewrite.getSubstitution();
        for (int i = 0; i + 1 < substitution.length(); i++) {
          char c = substitution.charAt(i + 1);
          if (substitution.charAt(i) == '$' && c >= '0' && c <= '9' && c - '0' > groups) {
            sink.add(
                field + ".substitution",
                "$" + c + " names a group the pattern does not have (it has " + groups + ")");
          }
        }
      } catch (PatternSyntaxException e) {
        sink.add(field + ".pattern", "not an RE2 regular expression: " + e.getDescription());
      }
    }
    location(rewrite.getSubstitution(), field + ".substitution", sink);
  }

  /** What goes into a Location header or a request line: no control characters or spaces. */
  static void location(String value, String field, ViolationSink sink) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        sink.add(field, "must not contain spaces or control characters (percent-encode them)");
        return;
      }
    }
  }
}
