package dev.concierge.cli;

import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Stickiness;
import dev.concierge.api.v1.StickyCookie;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code route create|update} options that keep a client on one cluster of a split; only what is
 * given is applied, onto the stored forward on update. The form is what {@code get route} shows.
 */
final class StickinessOptions {
  @Option(
      names = "--sticky-cookie",
      paramLabel = "NAME[,ttl=DURATION][,path=PATH]",
      converter = CookieConverter.class,
      description =
          "Keep each client on the cluster it was first sent to with a cookie the node sets,"
              + " e.g. ab,ttl=1d (default a session cookie on path /).")
  @Nullable StickyCookie cookie;

  @Option(
      names = "--sticky-header",
      paramLabel = "NAME",
      description =
          "Send each value of this request header (e.g. a user id) to one cluster of the split.")
  @Nullable String header;

  @Option(names = "--no-sticky", description = "Drop the route's stickiness (update).")
  boolean none;

  /** Why the options given cannot go together, or null. */
  @Nullable String conflict() {
    int given = (cookie != null ? 1 : 0) + (header != null ? 1 : 0) + (none ? 1 : 0);
    return given > 1 ? "--sticky-cookie, --sticky-header and --no-sticky are exclusive" : null;
  }

  boolean given() {
    return cookie != null || header != null || none;
  }

  ForwardAction.Builder applyTo(ForwardAction.Builder forward) {
    if (cookie != null) {
      forward.setStickiness(Stickiness.newBuilder().setCookie(cookie));
    } else if (header != null) {
      forward.setStickiness(Stickiness.newBuilder().setHeader(header));
    } else if (none) {
      forward.clearStickiness();
    }
    return forward;
  }

  /** {@code cookie:NAME[,ttl=…][,path=…]} or {@code header:NAME}, as in the route table. */
  static String format(Stickiness stickiness) {
    return switch (stickiness.getKeyCase()) {
      case COOKIE -> {
        StickyCookie c = stickiness.getCookie();
        yield "cookie:"
            + c.getName()
            + (c.hasTtl() ? ",ttl=" + Durations.format(c.getTtl()) : "")
            + (c.getPath().isEmpty() ? "" : ",path=" + c.getPath());
      }
      case HEADER -> "header:" + stickiness.getHeader();
      default -> "";
    };
  }

  /** Parses {@code NAME[,ttl=DURATION][,path=PATH]}. */
  static StickyCookie cookie(String text) {
    String[] parts = text.strip().split(",", -1);
    StickyCookie.Builder b = StickyCookie.newBuilder().setName(parts[0].strip());
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i].strip();
      if (part.startsWith("ttl=")) {
        b.setTtl(Durations.parse(part.substring("ttl=".length())));
      } else if (part.startsWith("path=")) {
        b.setPath(part.substring("path=".length()));
      } else {
        throw new IllegalArgumentException(
            "'" + text + "' is not NAME[,ttl=DURATION][,path=PATH] (e.g. ab,ttl=1d)");
      }
    }
    if (b.getName().isEmpty()) {
      throw new IllegalArgumentException("'" + text + "': the cookie name is missing");
    }
    return b.build();
  }

  /** picocli converter for {@code --sticky-cookie}. */
  static final class CookieConverter implements ITypeConverter<StickyCookie> {
    @Override
    public StickyCookie convert(String value) {
      try {
        return cookie(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
