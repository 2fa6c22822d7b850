package dev.concierge.cli;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Cors;
import dev.concierge.api.v1.Policy;
import java.io.PrintWriter;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * What a CORS policy is made of, for {@code policy create} and {@code update}: only what is given
 * (a repeated option given on update replaces that list).
 */
final class CorsOptions {
  @Option(
      names = "--cors-origin",
      paramLabel = "ORIGIN",
      description =
          "Make a CORS policy: browsers on this origin may call the route, e.g."
              + " https://app.example.com, https://*.example.com (any subdomain) or * (any, not"
              + " with credentials); repeat for more.")
  @Nullable List<String> origins;

  @Option(
      names = "--cors-origin-regex",
      paramLabel = "REGEX",
      description = "Also allow origins matching this whole-string RE2 regex; repeat for more.")
  @Nullable List<String> originRegexes;

  @Option(
      names = "--cors-method",
      paramLabel = "METHOD",
      description = "A method preflights may ask for (default GET, HEAD, POST); repeat for more.")
  @Nullable List<String> methods;

  @Option(
      names = "--cors-header",
      paramLabel = "NAME",
      description =
          "A request header preflights may ask for (default: those asked are allowed); repeat.")
  @Nullable List<String> headers;

  @Option(
      names = "--cors-expose",
      paramLabel = "NAME",
      description = "A response header the page may read (Access-Control-Expose-Headers); repeat.")
  @Nullable List<String> expose;

  @Option(
      names = "--cors-credentials",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description = "Allow cookies and Authorization (Access-Control-Allow-Credentials).")
  @Nullable Boolean credentials;

  @Option(
      names = "--cors-max-age",
      paramLabel = "SECONDS",
      description =
          "How long browsers may cache a preflight answer, up to 86400 (default: unsent).")
  @Nullable Integer maxAgeSeconds;

  boolean given() {
    return origins != null
        || originRegexes != null
        || methods != null
        || headers != null
        || expose != null
        || credentials != null
        || maxAgeSeconds != null;
  }

  /**
   * Sets what was given onto {@code current}'s CORS, on {@code policy}, and names it in {@code
   * mask}.
   */
  void applyTo(Policy.Builder policy, Cors current, FieldMask.Builder mask) {
    if (!given()) {
      return;
    }
    Cors.Builder cors = current.toBuilder();
    if (origins != null) {
      cors.clearAllowOrigins().addAllAllowOrigins(origins);
    }
    if (originRegexes != null) {
      cors.clearAllowOriginRegexes().addAllAllowOriginRegexes(originRegexes);
    }
    if (methods != null) {
      cors.clearAllowMethods().addAllAllowMethods(methods);
    }
    if (headers != null) {
      cors.clearAllowHeaders().addAllAllowHeaders(headers);
    }
    if (expose != null) {
      cors.clearExposeHeaders().addAllExposeHeaders(expose);
    }
    if (credentials != null) {
      cors.setAllowCredentials(credentials);
    }
    if (maxAgeSeconds != null) {
      cors.setMaxAgeSeconds(maxAgeSeconds);
    }
    policy.setCors(cors);
    mask.addPaths("cors");
  }

  /** {@code get}: the CORS settings of {@code policy}, one line each, when it is one. */
  static void print(PrintWriter out, Policy policy) {
    if (!policy.hasCors()) {
      return;
    }
    Cors cors = policy.getCors();
    line(out, "origins", cors.getAllowOriginsList());
    line(out, "origin regexes", cors.getAllowOriginRegexesList());
    line(out, "methods", cors.getAllowMethodsList());
    line(out, "headers", cors.getAllowHeadersList());
    line(out, "exposed headers", cors.getExposeHeadersList());
    out.println("credentials: " + (cors.getAllowCredentials() ? "yes" : "no"));
    if (cors.getMaxAgeSeconds() != 0) {
      out.println("max age: " + Integer.toUnsignedString(cors.getMaxAgeSeconds()) + " s");
    }
  }

  private static void line(PrintWriter out, String what, List<String> values) {
    if (!values.isEmpty()) {
      out.println(what + ": " + String.join(", ", values));
    }
  }
}
