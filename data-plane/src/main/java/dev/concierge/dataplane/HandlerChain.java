package dev.concierge.dataplane;

import dev.concierge.dataplane.access.IpAccessHandler;
import dev.concierge.dataplane.acme.AcmeChallengeHandler;
import dev.concierge.dataplane.answer.LocalAnswerHandler;
import dev.concierge.dataplane.buffering.RequestBodyBufferingHandler;
import dev.concierge.dataplane.consumer.BasicAuthHandler;
import dev.concierge.dataplane.consumer.KeyAuthHandler;
import dev.concierge.dataplane.cors.CorsHandler;
import dev.concierge.dataplane.jwt.JwtAuthHandler;
import dev.concierge.dataplane.ratelimit.RateLimitHandler;
import dev.concierge.dataplane.routing.RoutingHandler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.server.DrainHandler;
import dev.concierge.dataplane.stats.StatsHandler;
import dev.concierge.dataplane.tls.RouteTlsHandler;
import dev.concierge.dataplane.upstream.UpstreamHandler;
import dev.concierge.dataplane.upstream.UpstreamTransport;
import java.util.function.IntSupplier;

/**
 * The request path in order, in one place (docs/architecture.md "The request path"): {@link
 * StatsHandler} (outermost: counts every answer) → {@link DrainHandler} (graceful stop) → {@link
 * AcmeChallengeHandler} (ACME HTTP-01 answers, on every host) → {@link RoutingHandler} → {@link
 * IpAccessHandler} (403 for a refused client address) → {@link CorsHandler} (preflights) → {@link
 * KeyAuthHandler}, {@link BasicAuthHandler} and {@link JwtAuthHandler} (401) → {@link
 * RateLimitHandler} (429) → {@link RouteTlsHandler} (HTTPS redirect, HSTS) → {@link
 * LocalAnswerHandler} (redirects, direct responses) → {@link RequestBodyBufferingHandler} → {@link
 * UpstreamHandler} → {@link UpstreamTransport}. New per-route stages go between routing and
 * upstream, in the table's order, and read their policy from the request's context.
 */
public final class HandlerChain {
  private HandlerChain() {}

  /** The handler tree for the proxy port, on a node without HTTPS. */
  public static StatsHandler of(
      RuntimeHolder runtimes, UpstreamTransport transport, ChainSettings settings) {
    return of(runtimes, transport, settings, () -> ProxyServer.NO_HTTPS);
  }

  /**
   * The handler tree for the proxy ports; {@code httpsPort} gives the node's HTTPS port (after
   * start) to routes that redirect plain HTTP there.
   */
  public static StatsHandler of(
      RuntimeHolder runtimes,
      UpstreamTransport transport,
      ChainSettings settings,
      IntSupplier httpsPort) {
    UpstreamHandler upstream = new UpstreamHandler(transport, settings.random());
    RequestBodyBufferingHandler buffering =
        new RequestBodyBufferingHandler(settings.admission(), upstream);
    LocalAnswerHandler answers = new LocalAnswerHandler(buffering);
    RouteTlsHandler tls = new RouteTlsHandler(httpsPort, answers);
    // Right after routing: a refused client costs the route nothing else (no redirect, no body).
    RateLimitHandler rateLimit = new RateLimitHandler(tls);
    // Consumers proved after CORS (a preflight carries no credential) and before rate limits.
    // A JWT's claims too, so a limit can key on what a token says (a claim header).
    JwtAuthHandler jwt = new JwtAuthHandler(rateLimit);
    BasicAuthHandler basicAuth = new BasicAuthHandler(jwt);
    KeyAuthHandler keyAuth = new KeyAuthHandler(basicAuth);
    // Preflights answered at the edge, before any redirect or body read, and before rate limits:
    // a browser's preflight spends no token of the request it announces.
    CorsHandler cors = new CorsHandler(keyAuth);
    IpAccessHandler access = new IpAccessHandler(cors);
    RoutingHandler routing = new RoutingHandler(runtimes::routes, settings.client(), access);
    // Before routing and any route's redirect to HTTPS: the ACME server must get the answer.
    AcmeChallengeHandler acme = new AcmeChallengeHandler(runtimes::acmeChallenges, routing);
    // Lets a graceful stop wait for in-flight requests; requests on open connections still go on.
    DrainHandler drain = new DrainHandler(acme);
    return new StatsHandler(
        settings.stats(),
        settings.nanoTime(),
        settings.log(),
        settings.random(),
        settings.sampler(),
        drain);
  }
}
