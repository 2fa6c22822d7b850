package dev.concierge.cli;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.ConnectionLimits;
import dev.concierge.api.v1.Policy;
import java.io.PrintWriter;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The options of a connection-limits policy for {@code policy create} and {@code update} (a fleet
 * default: give {@code --fleet-default} on create); only what is given is applied, 0 lifts a limit.
 */
final class ConnectionLimitsOptions {
  @Option(
      names = "--max-connections-per-address",
      paramLabel = "N",
      description =
          "Make a connection-limits policy: connections one client address (the TCP peer) may"
              + " hold open on a node; one more is closed at once.")
  @Nullable Integer perAddress;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description = "Client connections a node holds open; one more is closed at once.")
  @Nullable Integer total;

  @Option(
      names = "--max-requests-per-connection",
      paramLabel = "N",
      description =
          "Requests one HTTP/1.1 connection carries; the answer to the last says Connection:"
              + " close.")
  @Nullable Integer requests;

  @Option(
      names = "--max-header-count",
      paramLabel = "N",
      description = "Header fields one request may have (more: 431).")
  @Nullable Integer headerCount;

  @Option(
      names = "--max-header-bytes",
      paramLabel = "BYTES",
      description = "Bytes of a request line and headers, 1024-1048576 (default 8192; more: 431).")
  @Nullable Integer headerBytes;

  @Option(
      names = "--max-uri-length",
      paramLabel = "N",
      description = "Characters of a request target (longer: 414).")
  @Nullable Integer uriLength;

  /** Whether any connection-limits option was given. */
  boolean given() {
    return perAddress != null
        || total != null
        || requests != null
        || headerCount != null
        || headerBytes != null
        || uriLength != null;
  }

  /**
   * Sets what was given onto {@code current}'s limits, on {@code policy}, and names it in {@code
   * mask}.
   */
  void applyTo(Policy.Builder policy, ConnectionLimits current, FieldMask.Builder mask) {
    if (!given()) {
      return;
    }
    ConnectionLimits.Builder limits = current.toBuilder();
    if (perAddress != null) {
      limits.setMaxConnectionsPerAddress(perAddress);
    }
    if (total != null) {
      limits.setMaxConnections(total);
    }
    if (requests != null) {
      limits.setMaxRequestsPerConnection(requests);
    }
    if (headerCount != null) {
      limits.setMaxHeaderCount(headerCount);
    }
    if (headerBytes != null) {
      limits.setMaxHeaderBytes(headerBytes);
    }
    if (uriLength != null) {
      limits.setMaxUriLength(uriLength);
    }
    policy.setConnectionLimits(limits);
    mask.addPaths("connection_limits");
  }

  /** {@code get}: the limits of {@code policy}, one line each that is set, when it is one. */
  static void print(PrintWriter out, Policy policy) {
    if (!policy.hasConnectionLimits()) {
      return;
    }
    ConnectionLimits limits = policy.getConnectionLimits();
    line(out, "max connections per address", limits.getMaxConnectionsPerAddress());
    line(out, "max connections", limits.getMaxConnections());
    line(out, "max requests per connection", limits.getMaxRequestsPerConnection());
    line(out, "max header count", limits.getMaxHeaderCount());
    line(out, "max header bytes", limits.getMaxHeaderBytes());
    line(out, "max uri length", limits.getMaxUriLength());
  }

  private static void line(PrintWriter out, String what, int value) {
    if (value != 0) {
      out.println(what + ": " + Integer.toUnsignedString(value));
    }
  }
}
