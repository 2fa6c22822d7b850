package dev.concierge.dataplane.cors;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Pattern;
import dev.concierge.api.v1.Cors;
import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.chain.ResponseHeadEdit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A route's compiled CORS policy: the allowed origins (exact ones in a set, wildcard hosts as
 * prefix and suffix, regexes compiled here) and the constant answer fields, built once. A route
 * without CORS gets {@link #none()}, which allows no origin and costs a slot read. Immutable,
 * thread-safe; as a {@link ResponseHeadEdit} it gives an allowed origin's response its fields.
 */
public final class CorsPolicy implements ResponseHeadEdit {
  private static final CorsPolicy NONE = new CorsPolicy();

  /** The key of the policy; a route without one leaves cross-origin requests to the backend. */
  public static final PolicyKey<CorsPolicy> KEY = PolicyKey.of("cors", CorsPolicy.class, NONE);

  static final HttpField VARY_ORIGIN = new HttpField(HttpHeader.VARY, "Origin");
  private static final HttpField CREDENTIALS =
      new HttpField(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
  private static final Set<String> SIMPLE_METHODS = Set.of("GET", "HEAD", "POST");

  private final String name;
  private final boolean anyOrigin;
  private final Set<String> origins;
  private final WildcardOrigin[] wildcards;
  private final Pattern[] regexes;
  private final Set<String> methods;
  private final HttpField allowMethods;
  private final @Nullable HttpField allowHeaders;
  private final @Nullable HttpField exposeHeaders;
  private final boolean credentials;
  private final @Nullable HttpField maxAge;

  /**
   * {@code scheme://*.domain[:port]}: an origin with that prefix and suffix, a subdomain between.
   */
  private record WildcardOrigin(String prefix, String suffix) {
    boolean matches(String origin) {
      int middle = origin.length() - prefix.length() - suffix.length();
      if (middle <= 0 || !origin.startsWith(prefix) || !origin.endsWith(suffix)) {
        return false;
      }
      // The subdomain's labels: not empty at either end ("https://a..example.com").
      if (origin.charAt(prefix.length()) == '.'
          || origin.charAt(prefix.length() + middle - 1) == '.') {
        return false;
      }
      for (int i = prefix.length(), end = i + middle; i < end; i++) {
        char c = origin.charAt(i);
        if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' && c != '.') {
          return false;
        }
      }
      return true;
    }
  }

  private CorsPolicy() {
    this.name = "none";
    this.anyOrigin = false;
    this.origins = Set.of();
    this.wildcards = new WildcardOrigin[0];
    this.regexes = new Pattern[0];
    this.methods = Set.of();
    this.allowMethods = new HttpField(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, "");
    this.allowHeaders = null;
    this.exposeHeaders = null;
    this.credentials = false;
    this.maxAge = null;
  }

  private CorsPolicy(String name, Cors cors) {
    this.name = requireNonNull(name, "name");
    boolean any = false;
    List<String> exact = new ArrayList<>();
    List<WildcardOrigin> wild = new ArrayList<>();
    for (String origin : cors.getAllowOriginsList()) {
      int star = origin.indexOf("://*.");
      if (origin.equals("*")) {
        any = true;
      } else if (star > 0) {
        wild.add(new WildcardOrigin(origin.substring(0, star + 3), origin.substring(star + 4)));
      } else {
        exact.add(origin);
      }
    }
    this.anyOrigin = any;
    this.origins = Set.copyOf(exact);
    this.wildcards = wild.toArray(new WildcardOrigin[0]);
    this.regexes =
        cors.getAllowOriginRegexesList().stream().map(Pattern::compile).toArray(Pattern[]::new);
    List<String> allowed =
        cors.getAllowMethodsCount() == 0
            ? List.of("GET", "HEAD", "POST")
            : cors.getAllowMethodsList();
    this.methods = Set.copyOf(allowed);
    this.allowMethods =
        new HttpField(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, String.join(", ", allowed));
    this.allowHeaders =
        cors.getAllowHeadersCount() == 0
            ? null
            : new HttpField(
                HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS,
                String.join(", ", cors.getAllowHeadersList()));
    this.exposeHeaders =
        cors.getExposeHeadersCount() == 0
            ? null
            : new HttpField(
                HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS,
                String.join(", ", cors.getExposeHeadersList()));
    this.credentials = cors.getAllowCredentials();
    this.maxAge =
        cors.getMaxAgeSeconds() == 0
            ? null
            : new HttpField(
                HttpHeader.ACCESS_CONTROL_MAX_AGE,
                Integer.toUnsignedString(cors.getMaxAgeSeconds()));
  }

  /** Allows no origin: the policy of a route without CORS. */
  public static CorsPolicy none() {
    return NONE;
  }

  /** The compiled form of policy {@code name}'s {@code cors}, which kept the shared rules. */
  public static CorsPolicy of(String name, Cors cors) {
    return new CorsPolicy(name, requireNonNull(cors, "cors"));
  }

  /** Whether this is {@link #none()}. */
  public boolean isNone() {
    return this == NONE;
  }

  /** The policy's name ({@code policies/{id}}), for messages. */
  public String name() {
    return name;
  }

  /** Whether a request from {@code origin} may read the route's responses. Reads only. */
  public boolean allows(String origin) {
    if (anyOrigin || origins.contains(origin)) {
      return true;
    }
    for (WildcardOrigin wildcard : wildcards) {
      if (wildcard.matches(origin)) {
        return true;
      }
    }
    for (Pattern regex : regexes) {
      if (regex.matches(origin)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Fills {@code out}, the head of the answer to a preflight from {@code origin} asking for {@code
   * method} (and {@code headers}, possibly null), and tells whether it is allowed. A refused one
   * gets no Access-Control-Allow-* field (the browser then refuses the request).
   */
  public boolean preflight(
      String origin, String method, @Nullable String headers, HttpFields.Mutable out) {
    out.ensureField(VARY_ORIGIN);
    if (!allows(origin) || !(methods.contains(method) || SIMPLE_METHODS.contains(method))) {
      return false;
    }
    out.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    out.put(allowMethods);
    HttpField allowed = allowHeaders;
    if (allowed != null) {
      out.put(allowed);
    } else if (headers != null && !headers.isEmpty()) {
      out.put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, headers);
    }
    if (credentials) {
      out.put(CREDENTIALS);
    }
    HttpField age = maxAge;
    if (age != null) {
      out.put(age);
    }
    return true;
  }

  /**
   * Gives the response to an allowed {@code origin}'s request its fields, replacing any the backend
   * sent: the origin echoed, {@code Vary: Origin}, credentials and exposed headers.
   */
  public void actual(String origin, HttpFields.Mutable headers) {
    headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.ensureField(VARY_ORIGIN);
    if (credentials) {
      headers.put(CREDENTIALS);
    } else {
      headers.remove(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS);
    }
    HttpField expose = exposeHeaders;
    if (expose != null) {
      headers.put(expose);
    }
  }

  /** The upstream response head of a request the handler found allowed. */
  @Override
  public void apply(Request request, HttpFields.Mutable headers) {
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin != null) {
      actual(origin, headers);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
