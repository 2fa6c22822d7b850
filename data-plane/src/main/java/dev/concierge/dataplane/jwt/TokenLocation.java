package dev.concierge.dataplane.jwt;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.JwtAuth;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * Where a policy reads the token (the Authorization header's Bearer credential, another header, a
 * query parameter or a cookie), and how the credential is taken off the request sent upstream.
 * Immutable and thread-safe.
 */
final class TokenLocation {
  private static final String BEARER = "Bearer ";

  private final JwtAuth.TokenSource.Kind kind;
  private final String name;
  private final boolean bearer;

  private TokenLocation(JwtAuth.TokenSource.Kind kind, String name) {
    this.kind = kind;
    this.name = name;
    this.bearer = kind == JwtAuth.TokenSource.Kind.HEADER && name.equalsIgnoreCase("Authorization");
  }

  /** The location {@code source} names; unset means the Authorization header, Bearer scheme. */
  static TokenLocation of(JwtAuth.TokenSource source) {
    JwtAuth.TokenSource.Kind kind = source.getKind();
    if (kind == JwtAuth.TokenSource.Kind.KIND_UNSPECIFIED
        || kind == JwtAuth.TokenSource.Kind.UNRECOGNIZED) {
      kind = JwtAuth.TokenSource.Kind.HEADER;
    }
    String name = source.getName();
    if (name.isEmpty()) {
      name = "Authorization";
    }
    return new TokenLocation(kind, requireNonNull(name, "name"));
  }

  /** The request's token, or null when it carries none there. */
  @Nullable String token(Request request) {
    return switch (kind) {
      case QUERY -> queryValue(request.getHttpURI().getQuery());
      case COOKIE -> cookieValue(request.getHeaders());
      default -> headerValue(request.getHeaders());
    };
  }

  /** Removes the credential from {@code headers} (a header or a cookie). */
  void strip(HttpFields.Mutable headers) {
    if (kind == JwtAuth.TokenSource.Kind.HEADER) {
      headers.remove(name);
    } else if (kind == JwtAuth.TokenSource.Kind.COOKIE) {
      List<String> kept = new ArrayList<>();
      for (HttpField field : headers) {
        if (field.getHeader() == HttpHeader.COOKIE) {
          for (String pair : parts(field.getValue(), ';')) {
            String p = pair.strip();
            if (!p.isEmpty() && !isNamed(p)) {
              kept.add(p);
            }
          }
        }
      }
      headers.remove(HttpHeader.COOKIE);
      if (!kept.isEmpty()) {
        headers.put(HttpHeader.COOKIE, String.join("; ", kept));
      }
    }
  }

  /** {@code uri} without the token's query parameter, or {@code uri} when it is not there. */
  HttpURI strip(HttpURI uri) {
    if (kind != JwtAuth.TokenSource.Kind.QUERY || uri.getQuery() == null) {
      return uri;
    }
    StringBuilder kept = new StringBuilder();
    for (String pair : parts(uri.getQuery(), '&')) {
      if (!pair.isEmpty() && !isNamed(pair)) {
        if (!kept.isEmpty()) {
          kept.append('&');
        }
        kept.append(pair);
      }
    }
    return HttpURI.build(uri).query(kept.isEmpty() ? null : kept.toString()).asImmutable();
  }

  private @Nullable String headerValue(HttpFields headers) {
    String value = headers.get(name);
    if (value == null) {
      return null;
    }
    if (bearer) {
      if (!value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        return null; // another scheme (Basic): no bearer token
      }
      value = value.substring(BEARER.length());
    }
    value = value.strip();
    return value.isEmpty() ? null : value;
  }

  private @Nullable String queryValue(@Nullable String query) {
    if (query == null) {
      return null;
    }
    for (String pair : parts(query, '&')) {
      if (isNamed(pair)) {
        String value = pair.substring(name.length() + 1);
        if (value.indexOf('%') >= 0 || value.indexOf('+') >= 0) {
          value = URLDecoder.decode(value, StandardCharsets.UTF_8);
        }
        return value.isEmpty() ? null : value;
      }
    }
    return null;
  }

  private @Nullable String cookieValue(HttpFields headers) {
    for (HttpField field : headers) {
      if (field.getHeader() == HttpHeader.COOKIE) {
        for (String pair : parts(field.getValue(), ';')) {
          String p = pair.strip();
          if (isNamed(p)) {
            String value = p.substring(name.length() + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
              value = value.substring(1, value.length() - 1);
            }
            return value.isEmpty() ? null : value;
          }
        }
      }
    }
    return null;
  }

  private boolean isNamed(String pair) {
    return pair.length() > name.length()
        && pair.charAt(name.length()) == '='
        && pair.startsWith(name);
  }

  /** {@code text} cut at each {@code separator} (no regex, unlike String.split). */
  private static List<String> parts(String text, char separator) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = text.indexOf(separator); i >= 0; i = text.indexOf(separator, start)) {
      parts.add(text.substring(start, i));
      start = i + 1;
    }
    parts.add(text.substring(start));
    return parts;
  }
}
