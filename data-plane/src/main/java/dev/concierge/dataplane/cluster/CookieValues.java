package dev.concierge.dataplane.cluster;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.jspecify.annotations.Nullable;

/**
 * Finds a cookie's value in a request's Cookie headers in place, without parsing them into cookie
 * objects: the hot path reads one cookie and allocates nothing for it.
 */
final class CookieValues {
  /** What {@link #range} answers when the cookie is not in the header. */
  static final long ABSENT = -1;

  private CookieValues() {}

  /**
   * The Cookie header line of {@code fields} that holds cookie {@code name}, or null: the first
   * line, or any further one (cookies split over several lines, as HTTP/2 clients may send them).
   */
  static @Nullable String line(HttpFields fields, String name) {
    String first = fields.get(HttpHeader.COOKIE);
    if (first == null) {
      return null;
    }
    if (range(first, name) != ABSENT) {
      return first;
    }
    for (HttpField field : fields) {
      String value = field.getValue();
      if (field.getHeader() == HttpHeader.COOKIE && value != null && range(value, name) != ABSENT) {
        return value;
      }
    }
    return null;
  }

  /**
   * Where the value of cookie {@code name} lies in a Cookie header ({@code a=1; b="2"}), quotes
   * removed: {@code from << 32 | to}, or {@link #ABSENT}.
   */
  static long range(String header, String name) {
    int length = header.length();
    int i = 0;
    while (i < length) {
      while (i < length && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
        i++;
      }
      int end = header.indexOf(';', i);
      if (end < 0) {
        end = length;
      }
      int nameEnd = i + name.length();
      if (nameEnd < end && header.charAt(nameEnd) == '=' && header.startsWith(name, i)) {
        int from = nameEnd + 1;
        int to = end;
        while (to > from && header.charAt(to - 1) == ' ') {
          to--;
        }
        if (to - from >= 2 && header.charAt(from) == '"' && header.charAt(to - 1) == '"') {
          from++;
          to--;
        }
        return ((long) from << 32) | to;
      }
      i = end + 1;
    }
    return ABSENT;
  }

  static int from(long range) {
    return (int) (range >>> 32);
  }

  static int to(long range) {
    return (int) range;
  }
}
