package dev.concierge.dataplane.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;

/** Maps a transport failure to an {@link UpstreamOutcome}; shared by both transports. */
public final class UpstreamFailures {
  private UpstreamFailures() {}

  /**
   * Why a TLS handshake failed, in the JDK's words (the innermost cause with a message, e.g. "No
   * subject alternative DNS name matching x found.").
   */
  public static String handshakeReason(Throwable failure) {
    String reason = String.valueOf(failure.getMessage());
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        reason = t.getMessage();
      }
    }
    return reason;
  }

  /** The outcome of a try that failed with {@code failure} before any response byte. */
  public static UpstreamOutcome classify(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof RetriedStatusException) {
        return UpstreamOutcome.STATUS;
      }
      if (t instanceof CircuitBreakerOverflowException) {
        return UpstreamOutcome.OVERFLOW;
      }
      if (t instanceof SSLHandshakeException) {
        return UpstreamOutcome.HANDSHAKE;
      }
      if (t instanceof UnresolvedHostException) {
        return UpstreamOutcome.UNRESOLVED;
      }
      if (t instanceof SocketTimeoutException) {
        return UpstreamOutcome.CONNECT_TIMEOUT; // Jetty's and ours: "Connect Timeout"
      }
      if (t instanceof TimeoutException) {
        return UpstreamOutcome.TIMEOUT;
      }
      if (t instanceof ConnectException
          || t instanceof NoRouteToHostException
          || t instanceof UnknownHostException) {
        return UpstreamOutcome.REFUSED;
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof EOFException || t instanceof ClosedChannelException) {
        return UpstreamOutcome.RESET;
      }
      if (t instanceof IOException && t.getMessage() != null) {
        String message = t.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("reset")
            || message.contains("closed")
            || message.contains("broken pipe")) {
          return UpstreamOutcome.RESET;
        }
      }
    }
    return UpstreamOutcome.ERROR;
  }
}
