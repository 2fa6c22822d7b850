package dev.concierge.dataplane.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/** Maps an upstream failure to an {@link UpstreamOutcome}; shared by both transports. */
final class UpstreamFailures {
  private UpstreamFailures() {}

  static UpstreamOutcome classify(Throwable failure, boolean responseBegun) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
        return UpstreamOutcome.TIMEOUT;
      }
      if (t instanceof ConnectException) {
        return UpstreamOutcome.REFUSED;
      }
    }
    if (!responseBegun) {
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t instanceof EOFException || t instanceof ClosedChannelException) {
          return UpstreamOutcome.RESET;
        }
        if (t instanceof IOException && t.getMessage() != null) {
          String message = t.getMessage().toLowerCase(Locale.ROOT);
          if (message.contains("reset") || message.contains("closed") || message.contains("broken pipe")) {
            return UpstreamOutcome.RESET;
          }
        }
      }
    }
    return UpstreamOutcome.ERROR;
  }
}
