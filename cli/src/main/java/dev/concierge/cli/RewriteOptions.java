package dev.concierge.cli;

import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.HeaderMutations;
import dev.concierge.api.v1.HeaderValue;
import dev.concierge.api.v1.RegexRewrite;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code route create|update} options of a forward's rewrites: the path (prefix or regex), the Host
 * sent upstream, and the request and response header edits. Only what is given is applied, onto the
 * stored forward on update, where a header list given replaces that list. The server checks the
 * values.
 */
final class RewriteOptions {
  private static final String TEMPLATE =
      " VALUE may use ${client_ip}, ${request_id}, ${route}, ${host}, ${scheme}; $$ is a $.";

  @Option(
      names = "--prefix-rewrite",
      paramLabel = "PREFIX",
      description =
          "Send the path with the matched --path-prefix replaced by PREFIX, e.g. /v2 (nginx's"
              + " proxy_pass http://b/v2/).")
  @Nullable String prefixRewrite;

  @Option(
      names = "--regex-rewrite",
      paramLabel = "RE2",
      description = "Send the path with its first match of RE2 replaced by --rewrite-to.")
  @Nullable String regexRewrite;

  @Option(
      names = "--rewrite-to",
      paramLabel = "SUBSTITUTION",
      description = "What replaces the --regex-rewrite match; $1..$9 are its groups.")
  @Nullable String rewriteTo;

  @Option(names = "--keep-path", description = "Drop the path rewrite (update).")
  boolean keepPath;

  @Option(
      names = "--host-rewrite",
      paramLabel = "HOST[:PORT]",
      description = "Send this Host upstream instead of the client's.")
  @Nullable String hostRewrite;

  @Option(
      names = "--endpoint-host",
      description = "Send the picked endpoint's host:port as Host instead of the client's.")
  boolean endpointHost;

  @Option(names = "--client-host", description = "Send the client's Host again (update).")
  boolean clientHost;

  @Option(
      names = "--request-header-add",
      paramLabel = "NAME=VALUE",
      converter = HeaderValueConverter.class,
      description = "Add a request header sent upstream; repeat." + TEMPLATE)
  @Nullable List<HeaderValue> requestAdd;

  @Option(
      names = "--request-header-set",
      paramLabel = "NAME=VALUE",
      converter = HeaderValueConverter.class,
      description = "Replace a request header sent upstream; repeat." + TEMPLATE)
  @Nullable List<HeaderValue> requestSet;

  @Option(
      names = "--request-header-remove",
      paramLabel = "NAME",
      description = "Drop a request header before it goes upstream; repeat.")
  @Nullable List<String> requestRemove;

  // Each header list given replaces the stored one on update; an empty value
  // (--response-header-add=) clears it.

  @Option(
      names = "--response-header-add",
      paramLabel = "NAME=VALUE",
      converter = HeaderValueConverter.class,
      description = "Add a response header sent to the client; repeat." + TEMPLATE)
  @Nullable List<HeaderValue> responseAdd;

  @Option(
      names = "--response-header-set",
      paramLabel = "NAME=VALUE",
      converter = HeaderValueConverter.class,
      description = "Replace a response header sent to the client; repeat." + TEMPLATE)
  @Nullable List<HeaderValue> responseSet;

  @Option(
      names = "--response-header-remove",
      paramLabel = "NAME",
      description = "Drop an upstream response header; repeat.")
  @Nullable List<String> responseRemove;

  /** Whether any option was given. */
  boolean given() {
    return prefixRewrite != null
        || regexRewrite != null
        || rewriteTo != null
        || keepPath
        || hostRewrite != null
        || endpointHost
        || clientHost
        || requestAdd != null
        || requestSet != null
        || requestRemove != null
        || responseAdd != null
        || responseSet != null
        || responseRemove != null;
  }

  /** Why the options given do not go together, or null. */
  @Nullable String conflict() {
    int paths =
        (prefixRewrite != null ? 1 : 0) + (regexRewrite != null ? 1 : 0) + (keepPath ? 1 : 0);
    if (paths > 1) {
      return "--prefix-rewrite, --regex-rewrite and --keep-path are mutually exclusive";
    }
    if ((regexRewrite == null) != (rewriteTo == null)) {
      return "--regex-rewrite and --rewrite-to go together";
    }
    int hosts = (hostRewrite != null ? 1 : 0) + (endpointHost ? 1 : 0) + (clientHost ? 1 : 0);
    if (hosts > 1) {
      return "--host-rewrite, --endpoint-host and --client-host are mutually exclusive";
    }
    return null;
  }

  /** Sets what was given on {@code forward}. */
  ForwardAction.Builder applyTo(ForwardAction.Builder forward) {
    if (prefixRewrite != null) {
      forward.setPrefixRewrite(prefixRewrite);
    } else if (regexRewrite != null && rewriteTo != null) {
      forward.setRegexRewrite(
          RegexRewrite.newBuilder().setPattern(regexRewrite).setSubstitution(rewriteTo));
    } else if (keepPath) {
      forward.clearPathRewrite();
    }
    if (hostRewrite != null) {
      forward.setHost(hostRewrite);
    } else if (endpointHost) {
      forward.setEndpointHost(true);
    } else if (clientHost) {
      forward.clearHostRewrite();
    }
    if (requestAdd != null || requestSet != null || requestRemove != null) {
      forward.setRequestHeaders(
          edit(forward.getRequestHeaders(), requestAdd, requestSet, requestRemove));
      if (forward.getRequestHeaders().equals(HeaderMutations.getDefaultInstance())) {
        forward.clearRequestHeaders();
      }
    }
    if (responseAdd != null || responseSet != null || responseRemove != null) {
      forward.setResponseHeaders(
          edit(forward.getResponseHeaders(), responseAdd, responseSet, responseRemove));
      if (forward.getResponseHeaders().equals(HeaderMutations.getDefaultInstance())) {
        forward.clearResponseHeaders();
      }
    }
    return forward;
  }

  private static HeaderMutations edit(
      HeaderMutations current,
      @Nullable List<HeaderValue> add,
      @Nullable List<HeaderValue> set,
      @Nullable List<String> remove) {
    HeaderMutations.Builder m = current.toBuilder();
    if (add != null) {
      m.clearAdd().addAllAdd(nonEmpty(add));
    }
    if (set != null) {
      m.clearSet().addAllSet(nonEmpty(set));
    }
    if (remove != null) {
      m.clearRemove().addAllRemove(remove.stream().filter(r -> !r.isEmpty()).toList());
    }
    return m.build();
  }

  /** An empty option ({@code --request-header-add=}) clears the list on update. */
  private static List<HeaderValue> nonEmpty(List<HeaderValue> values) {
    List<HeaderValue> kept = new ArrayList<>();
    for (HeaderValue v : values) {
      if (!v.getName().isEmpty()) {
        kept.add(v);
      }
    }
    return kept;
  }

  /** The rewrites of {@code forward} as the route table shows them, or "" when none. */
  static String format(ForwardAction forward) {
    List<String> parts = new ArrayList<>();
    switch (forward.getPathRewriteCase()) {
      case PREFIX_REWRITE -> parts.add("prefix-rewrite=" + forward.getPrefixRewrite());
      case REGEX_REWRITE ->
          parts.add(
              "regex-rewrite="
                  + forward.getRegexRewrite().getPattern()
                  + "->"
                  + forward.getRegexRewrite().getSubstitution());
      default -> {}
    }
    switch (forward.getHostRewriteCase()) {
      case HOST -> parts.add("host=" + forward.getHost());
      case ENDPOINT_HOST -> parts.add("endpoint-host");
      default -> {}
    }
    format("request", forward.getRequestHeaders(), parts);
    format("response", forward.getResponseHeaders(), parts);
    return String.join(" ", parts);
  }

  private static void format(String direction, HeaderMutations m, List<String> parts) {
    m.getRemoveList().forEach(name -> parts.add(direction + "-" + name + ":-"));
    m.getSetList().forEach(h -> parts.add(direction + "-" + h.getName() + ":=" + h.getValue()));
    m.getAddList().forEach(h -> parts.add(direction + "-" + h.getName() + ":+" + h.getValue()));
  }

  /** Parses {@code NAME=VALUE} (the value may be empty; an empty NAME clears on update). */
  static final class HeaderValueConverter implements ITypeConverter<HeaderValue> {
    @Override
    public HeaderValue convert(String value) {
      if (value.isEmpty()) {
        return HeaderValue.getDefaultInstance();
      }
      int eq = value.indexOf('=');
      if (eq < 0) {
        throw new TypeConversionException("'" + value + "' is not NAME=VALUE");
      }
      return HeaderValue.newBuilder()
          .setName(value.substring(0, eq).strip())
          .setValue(value.substring(eq + 1))
          .build();
    }
  }
}
