package dev.concierge.dataplane.consumer;

import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * The request as later stages and the backend see it once a consumer is authenticated: {@value
 * #CONSUMER_HEADER} names the consumer (any the client sent is dropped), and, when the policy hides
 * credentials, the headers and query parameters that carried one are gone. Made once per
 * authenticated request; immutable.
 */
final class ForwardedAs extends Request.Wrapper {
  /** Names the authenticated consumer to the backend (Kong's header). */
  static final String CONSUMER_HEADER = "X-Consumer-Username";

  private final HttpFields headers;
  private final HttpURI uri;

  private ForwardedAs(Request request, HttpFields headers, HttpURI uri) {
    super(request);
    this.headers = headers;
    this.uri = uri;
  }

  /**
   * {@code request} as {@code consumer}'s, without the headers named in {@code headerNames} and the
   * query parameters named in {@code queryNames} (either may be empty).
   */
  static Request of(
      Request request, String consumer, List<String> headerNames, Set<String> queryNames) {
    HttpFields.Mutable headers = HttpFields.build(request.getHeaders());
    headers.remove(CONSUMER_HEADER);
    for (String name : headerNames) {
      headers.remove(name);
    }
    headers.add(CONSUMER_HEADER, consumer);
    HttpURI uri = request.getHttpURI();
    if (!queryNames.isEmpty()) {
      String query = uri.getQuery();
      if (query != null) {
        String kept = withoutParameters(query, queryNames);
        if (!kept.equals(query)) {
          uri = HttpURI.build(uri).query(kept.isEmpty() ? null : kept).asImmutable();
        }
      }
    }
    return new ForwardedAs(request, headers.asImmutable(), uri);
  }

  /** {@code query} without the parameters named in {@code names} (names as sent, undecoded). */
  static String withoutParameters(String query, Set<String> names) {
    StringBuilder out = new StringBuilder(query.length());
    for (String pair : query.split("&", -1)) {
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      if (names.contains(name)) {
        continue;
      }
      if (out.length() > 0) {
        out.append('&');
      }
      out.append(pair);
    }
    return out.toString();
  }

  /** The value of query parameter {@code name} (percent-decoded), or null. */
  static @Nullable String queryParameter(@Nullable String query, String name) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    int at = 0;
    while (at <= query.length()) {
      int end = query.indexOf('&', at);
      if (end < 0) {
        end = query.length();
      }
      if (query.startsWith(name, at)
          && at + name.length() < end
          && query.charAt(at + name.length()) == '=') {
        String raw = query.substring(at + name.length() + 1, end);
        try {
          return java.net.URLDecoder.decode(raw, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return raw;
        }
      }
      at = end + 1;
    }
    return null;
  }

  @Override
  public HttpFields getHeaders() {
    return headers;
  }

  @Override
  public HttpURI getHttpURI() {
    return uri;
  }
}
