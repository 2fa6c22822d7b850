package dev.concierge.controlplane.management;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Warnings a management call gives beside a successful answer, sent as {@code concierge-warning}
 * response headers, one per warning (as the Kubernetes API sends {@code Warning} headers): the
 * write is accepted, but the caller most likely wants to know, say, that a route can never match.
 * The responses stay the resources themselves, so clients that ignore headers lose nothing.
 */
public final class ResponseWarnings implements ServerInterceptor {

  /** The response header, repeated once per warning; printable ASCII. */
  public static final Metadata.Key<String> HEADER =
      Metadata.Key.of("concierge-warning", Metadata.ASCII_STRING_MARSHALLER);

  private static final Context.Key<List<String>> CURRENT = Context.key("concierge-warnings");

  /** Adds {@code warnings} to the answer of the call running on this thread, if it takes any. */
  static void add(List<String> warnings) {
    @Nullable List<String> current = CURRENT.get();
    if (current != null) {
      current.addAll(warnings);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    List<String> warnings = new CopyOnWriteArrayList<>();
    ServerCall<Q, R> withWarnings =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            for (String warning : warnings) {
              responseHeaders.put(HEADER, printable(warning));
            }
            super.sendHeaders(responseHeaders);
          }
        };
    return Contexts.interceptCall(
        Context.current().withValue(CURRENT, warnings), withWarnings, headers, next);
  }

  /** A header value carries printable ASCII only; names are, free text may not be. */
  static String printable(String warning) {
    StringBuilder b = new StringBuilder(warning.length());
    for (int i = 0; i < warning.length(); i++) {
      char c = warning.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }
}
