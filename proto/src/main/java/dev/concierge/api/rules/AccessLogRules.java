package dev.concierge.api.rules;

import dev.concierge.api.v1.AccessLogPolicy;
import java.util.HashSet;
import java.util.Set;

/** The rules of a route's access log policy (off, sampling, secret query parameters). */
public final class AccessLogRules {
  /** Most secret query parameters a route names. */
  public static final int MAX_SECRET_PARAMS = 64;

  /** Longest secret query parameter name. */
  public static final int MAX_PARAM_LENGTH = 256;

  private AccessLogRules() {}

  /**
   * Tells {@code sink} every broken field of {@code log}, under {@code prefix} (e.g.
   * "route.access_log").
   */
  public static void check(AccessLogPolicy log, String prefix, ViolationSink sink) {
    double ratio = log.getSampleRatio();
    if (Double.isNaN(ratio) || ratio < 0 || ratio > 1) {
      sink.add(prefix + ".sample_ratio", "must be more than 0 and at most 1 (0: every request)");
    } else if (ratio != 0 && log.getDisabled()) {
      sink.add(prefix + ".sample_ratio", "does not apply to a disabled access log");
    }
    if (log.getSecretQueryParamsCount() > MAX_SECRET_PARAMS) {
      sink.add(prefix + ".secret_query_params", "at most " + MAX_SECRET_PARAMS + " names");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < log.getSecretQueryParamsCount(); i++) {
      String name = log.getSecretQueryParams(i);
      String field = prefix + ".secret_query_params[" + i + "]";
      if (name.isEmpty() || name.length() > MAX_PARAM_LENGTH) {
        sink.add(field, "must be 1-" + MAX_PARAM_LENGTH + " characters");
      } else if (!printable(name)) {
        sink.add(field, "must be printable characters without spaces, '&' or '='");
      } else if (!seen.add(name)) {
        sink.add(field, "\"" + name + "\" is named twice");
      }
    }
  }

  private static boolean printable(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c == 0x7F || c == '&' || c == '=') {
        return false;
      }
    }
    return true;
  }
}
