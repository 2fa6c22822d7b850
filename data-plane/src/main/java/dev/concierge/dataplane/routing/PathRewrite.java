package dev.concierge.dataplane.routing;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Pattern;
import dev.concierge.api.rules.RequestMatchRules;
import dev.concierge.api.v1.RegexRewrite;
import org.eclipse.jetty.http.HttpURI;

/**
 * A route's rewrite of the request path, the one implementation redirects (the Location's path) and
 * forwarding (the path sent upstream) share. Compiled once per snapshot; immutable and thread-safe.
 */
public sealed interface PathRewrite {
  /**
   * {@code path} rewritten.
   *
   * @param path the form of the request path the caller uses (raw or canonical), never empty
   * @param uri the request's URI, whose canonical path a prefix rewrite falls back to when the raw
   *     one does not start with the prefix the route matched (the route matched the canonical one)
   */
  String apply(String path, HttpURI uri);

  /** The path as it is. */
  static PathRewrite keep() {
    return Keep.INSTANCE;
  }

  /** The compiled form of a regex rewrite that passed the rules (RE2, compiled here once). */
  static PathRewrite regex(RegexRewrite rewrite) {
    return new Regex(RequestMatchRules.pattern(rewrite.getPattern()), rewrite.getSubstitution());
  }

  /** The path as it is. */
  enum Keep implements PathRewrite {
    INSTANCE;

    @Override
    public String apply(String path, HttpURI uri) {
      return path;
    }
  }

  /** A whole new path. */
  record Whole(String path) implements PathRewrite {
    public Whole {
      requireNonNull(path, "path");
    }

    @Override
    public String apply(String ignored, HttpURI uri) {
      return path;
    }
  }

  /**
   * The route's matched prefix replaced; when the replacement ends with "/" and the rest of the
   * path starts with one, they share it ("/api" → "/" turns "/api/x" into "/x", not "//x").
   */
  record Prefix(String matched, String replacement) implements PathRewrite {
    public Prefix {
      requireNonNull(matched, "matched");
      requireNonNull(replacement, "replacement");
    }

    @Override
    public String apply(String path, HttpURI uri) {
      String source = path;
      if (!source.startsWith(matched)) {
        String canonical = uri.getCanonicalPath();
        if (canonical == null || !canonical.startsWith(matched)) {
          return replacement;
        }
        source = canonical;
      }
      int rest = matched.length();
      if (replacement.endsWith("/") && rest < source.length() && source.charAt(rest) == '/') {
        rest++;
      }
      return rest == source.length() ? replacement : replacement + source.substring(rest);
    }
  }

  /**
   * The first match of a regex replaced, {@code $1..$9} naming its groups; a result that does not
   * start with "/" gets one, so it is always a path.
   */
  record Regex(Pattern pattern, String substitution) implements PathRewrite {
    public Regex {
      requireNonNull(pattern, "pattern");
      requireNonNull(substitution, "substitution");
    }

    @Override
    public String apply(String path, HttpURI uri) {
      String result = pattern.matcher(path).replaceFirst(substitution);
      return result.startsWith("/") ? result : "/" + result;
    }
  }
}
