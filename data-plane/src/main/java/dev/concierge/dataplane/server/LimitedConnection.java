package dev.concierge.dataplane.server;

import dev.concierge.dataplane.limits.LimitCounters;
import dev.concierge.dataplane.limits.ListenerLimits;
import dev.concierge.dataplane.limits.Refusal;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * An HTTP/1.1 connection (with its header deadline) that judges each request against the node's
 * connection-limits policy as the parser reports it, before any handler runs: a request target
 * longer than {@link ListenerLimits#maxUriLength()} is answered 414 and more header fields than
 * {@link ListenerLimits#maxHeaderCount()} 431, each then closing the connection as Jetty's own
 * limits do; the response to the {@link ListenerLimits#maxRequestsPerConnection()}-th request
 * carries {@code Connection: close} and the connection closes after it (nginx's {@code
 * keepalive_requests}).
 *
 * <p>Hooks: Jetty's request handler ({@code startRequest}, {@code parsedHeader}) and its HTTP/1.1
 * stream's {@code prepareResponse}, which runs as the response commits; both are protected members
 * of Jetty's {@code internal} HttpConnection (re-check on Jetty upgrades: ConnectionLimitsIT fails
 * if they stop firing). Only connections opened under a policy with such a limit are of this class.
 * Its counts are the parser thread's alone.
 */
final class LimitedConnection extends HeaderDeadlineConnectionFactory.DeadlineConnection {
  private final ListenerLimits limits;
  private int requests;
  private int headers;

  LimitedConnection(
      HttpConfiguration config,
      Connector connector,
      EndPoint endPoint,
      long timeoutMillis,
      LimitCounters refusals,
      ListenerLimits limits) {
    super(config, connector, endPoint, timeoutMillis, refusals);
    this.limits = limits;
  }

  @Override
  protected HttpConnection.RequestHandler newRequestHandler() {
    return new JudgingHandler();
  }

  @Override
  protected HttpStreamOverHTTP1 newHttpStream(String method, String uri, HttpVersion version) {
    int max = limits.maxRequestsPerConnection();
    if (max > 0 && ++requests >= max) {
      return new LastStream(method, uri, version);
    }
    return super.newHttpStream(method, uri, version);
  }

  /** Judges the request line and counts the header fields of each request. */
  private final class JudgingHandler extends CountingHandler {
    @Override
    public void startRequest(String method, String uri, HttpVersion version) {
      int max = limits.maxUriLength();
      if (max > 0 && uri.length() > max) {
        throw refuse(
            Refusal.URI_LENGTH,
            HttpStatus.URI_TOO_LONG_414,
            "request target longer than " + max + " characters");
      }
      headers = 0;
      super.startRequest(method, uri, version);
    }

    @Override
    public void parsedHeader(HttpField field) {
      int max = limits.maxHeaderCount();
      if (max > 0 && ++headers > max) {
        throw refuse(
            Refusal.HEADER_COUNT,
            HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431,
            "more than " + max + " header fields");
      }
      super.parsedHeader(field);
    }
  }

  /** The stream of a connection's last request: its response says the connection closes. */
  private final class LastStream extends HttpStreamOverHTTP1 {
    LastStream(String method, String uri, HttpVersion version) {
      super(method, uri, version);
    }

    @Override
    public void prepareResponse(HttpFields.Mutable fields) {
      // Before Jetty's own: an HTTP/1.0 keep-alive request then gets no keep-alive answer.
      fields.ensureField(HttpFields.CONNECTION_CLOSE);
      super.prepareResponse(fields);
    }
  }
}
