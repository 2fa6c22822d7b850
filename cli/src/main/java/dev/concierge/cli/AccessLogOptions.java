package dev.concierge.cli;

import dev.concierge.api.v1.AccessLogPolicy;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code route create|update} options of a route's access log policy: off, sampled, secret query
 * parameters. Only what is given is applied, onto the stored policy on update.
 */
final class AccessLogOptions {
  @Option(
      names = "--no-access-log",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description = "Write none of the route's requests to the access log (false: log them again).")
  @Nullable Boolean noAccessLog;

  @Option(
      names = "--access-log-sample",
      paramLabel = "RATIO",
      description =
          "Log this share of the route's requests, more than 0 and at most 1 (default 1).")
  @Nullable Double sampleRatio;

  @Option(
      names = "--secret-query-param",
      paramLabel = "NAME",
      description =
          "A query parameter whose value the access log shows as REDACTED; repeatable (update:"
              + " replaces the list; give \"\" alone to clear it).")
  @Nullable List<String> secretQueryParams;

  /** Whether any option was given. */
  boolean given() {
    return noAccessLog != null || sampleRatio != null || secretQueryParams != null;
  }

  /** The policy with what was given applied onto {@code current}. */
  AccessLogPolicy applyTo(AccessLogPolicy current) {
    AccessLogPolicy.Builder log = current.toBuilder();
    if (noAccessLog != null) {
      log.setDisabled(noAccessLog);
      if (noAccessLog) {
        log.clearSampleRatio(); // a ratio does not apply to a log that is off
      }
    }
    if (sampleRatio != null) {
      log.setSampleRatio(sampleRatio);
    }
    if (secretQueryParams != null) {
      log.clearSecretQueryParams();
      if (!(secretQueryParams.size() == 1 && secretQueryParams.get(0).isEmpty())) {
        log.addAllSecretQueryParams(secretQueryParams);
      }
    }
    return log.build();
  }
}
