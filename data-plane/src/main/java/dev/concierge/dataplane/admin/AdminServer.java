package dev.concierge.dataplane.admin;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerKey;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.chain.PlainText;
import dev.concierge.dataplane.metrics.NodeMetrics;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.stats.StatsReporter;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The admin port, on its own small Jetty server so that proxy load cannot starve it: {@code GET
 * /ready} (200 once a configuration is in force, 503 before that and from the moment the node
 * starts draining, so that load balancers stop sending it new connections), {@code /config}
 * (private keys cleared), {@code /stats} (the node's report as JSON: counters by route, cluster and
 * unrouted, latency count and percentiles) and {@code /metrics} (Prometheus text format 0.0.4, or
 * OpenMetrics 1.0 when the scraper's Accept asks for it).
 */
public final class AdminServer implements AutoCloseable {
  private static final String JSON = "application/json";

  private final Server server;
  private final ServerConnector connector;
  private final AdminHandler handler;

  public AdminServer(
      String bindAddress,
      int port,
      RuntimeHolder runtimes,
      StatsReporter stats,
      NodeMetrics metrics) {
    QueuedThreadPool threads = new QueuedThreadPool(8, 2);
    threads.setName("concierge-admin");
    server = new Server(threads);
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
    connector.setHost(bindAddress);
    connector.setPort(port);
    server.addConnector(connector);
    handler =
        new AdminHandler(
            requireNonNull(runtimes, "runtimes"),
            requireNonNull(stats, "stats"),
            requireNonNull(metrics, "metrics"));
    server.setHandler(handler);
    // Nothing on the admin port is worth waiting for at shutdown.
    server.setStopTimeout(0);
  }

  /** Starts listening. */
  public void start() throws Exception {
    server.start();
  }

  /** From now on {@code /ready} answers 503: the node is draining and leaves soon. */
  public void draining() {
    handler.draining = true;
  }

  /** The bound port (after start). */
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("admin server did not stop", e);
    }
  }

  /**
   * The snapshot as the admin page shows it: with every private key, consumer key hash and password
   * hash, and every JWT policy's secret keys cleared.
   */
  static ConfigSnapshot redact(ConfigSnapshot snapshot) {
    ConfigSnapshot.Builder builder = snapshot.toBuilder();
    for (Certificate.Builder cert : builder.getCertificatesBuilderList()) {
      cert.clearPrivateKey();
    }
    for (Consumer.Builder consumer : builder.getConsumersBuilderList()) {
      consumer.getKeysBuilderList().forEach(ConsumerKey.Builder::clearSha256);
      consumer.getBasicCredentialsBuilderList().forEach(BasicCredential.Builder::clearPasswordHash);
    }
    // A JWT policy's HS256 secrets, likewise.
    for (Policy.Builder policy : builder.getPoliciesBuilderList()) {
      if (policy.hasJwtAuth()) {
        policy.getJwtAuthBuilder().clearSecretJwks();
      }
    }
    return builder.build();
  }

  /** The report without its encoded histograms (the p50/p99/max/count fields stay). */
  static NodeReport readable(NodeReport report) {
    NodeReport.Builder builder = report.toBuilder();
    builder.getRoutesBuilderList().forEach(TrafficCounters.Builder::clearLatencyHistogram);
    builder.getClustersBuilderList().forEach(TrafficCounters.Builder::clearLatencyHistogram);
    builder.getUnroutedBuilder().clearLatencyHistogram();
    return builder.build();
  }

  private static final class AdminHandler extends Handler.Abstract.NonBlocking {
    private final RuntimeHolder runtimes;
    private final StatsReporter stats;
    private final NodeMetrics metrics;
    private volatile boolean draining;

    AdminHandler(RuntimeHolder runtimes, StatsReporter stats, NodeMetrics metrics) {
      this.runtimes = runtimes;
      this.stats = stats;
      this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback)
        throws InvalidProtocolBufferException {
      if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
        PlainText.write(
            response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "method not allowed\n");
        return true;
      }
      Runtime runtime = runtimes.get();
      switch (Request.getPathInContext(request)) {
        case "/ready" -> {
          if (draining) {
            PlainText.write(
                response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "not ready: draining\n");
          } else if (runtime == null) {
            PlainText.write(
                response,
                callback,
                HttpStatus.SERVICE_UNAVAILABLE_503,
                "not ready: no configuration yet\n");
          } else {
            PlainText.write(response, callback, HttpStatus.OK_200, "ready\n");
          }
        }
        case "/config" -> {
          long revision = runtime == null ? -1 : runtime.revision();
          ConfigSnapshot snapshot =
              runtime == null ? ConfigSnapshot.getDefaultInstance() : redact(runtime.snapshot());
          String body =
              "{\"revision\": "
                  + revision
                  + ", \"snapshot\": "
                  + JsonFormat.printer().print(snapshot)
                  + "}\n";
          PlainText.write(response, callback, HttpStatus.OK_200, JSON, body);
        }
        case "/stats" ->
            PlainText.write(
                response,
                callback,
                HttpStatus.OK_200,
                JSON,
                JsonFormat.printer().print(readable(stats.currentReport())) + "\n");
        case "/metrics" -> {
          NodeMetrics.Exposition exposition =
              metrics.scrape(request.getHeaders().get(HttpHeader.ACCEPT));
          PlainText.write(
              response, callback, HttpStatus.OK_200, exposition.contentType(), exposition.body());
        }
        default -> PlainText.write(response, callback, HttpStatus.NOT_FOUND_404, "not found\n");
      }
      return true;
    }
  }
}
