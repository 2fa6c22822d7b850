package dev.concierge.dataplane;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.buffering.AdmissionPolicy;
import dev.concierge.dataplane.chain.RequestLog;
import dev.concierge.dataplane.client.ClientSettings;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.trace.TraceSampler;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Everything the {@link HandlerChain} is built from besides the runtime and the transport: one
 * description, so a new stage adds a field here rather than an overload everywhere. Immutable.
 *
 * @param stats the node's meters
 * @param admission the node's client limits (deadlines, body buffering defaults)
 * @param random the weighted split's randomness, per call so a thread-local one works
 * @param nanoTime the clock of latencies
 * @param client trusted proxies, geo source and the wall clock of time windows
 * @param log told of every completed request (the access log, span export)
 * @param sampler decides whether a trace a request starts is sampled (never, unless spans are
 *     exported)
 */
public record ChainSettings(
    TrafficStats stats,
    AdmissionPolicy admission,
    Supplier<RandomGenerator> random,
    LongSupplier nanoTime,
    ClientSettings client,
    RequestLog log,
    TraceSampler sampler) {
  public ChainSettings {
    requireNonNull(log, "log");
    requireNonNull(sampler, "sampler");
    requireNonNull(client, "client");
    requireNonNull(stats, "stats");
    requireNonNull(admission, "admission");
    requireNonNull(random, "random");
    requireNonNull(nanoTime, "nanoTime");
  }

  /** Fresh meters, default admission, thread-local randomness, the system clock. */
  public static ChainSettings defaults() {
    return new ChainSettings(
        new TrafficStats(),
        AdmissionPolicy.defaults(),
        ThreadLocalRandom::current,
        System::nanoTime,
        ClientSettings.defaults(),
        RequestLog.none(),
        TraceSampler.never());
  }

  /** These settings counting into {@code meters}. */
  public ChainSettings withStats(TrafficStats meters) {
    return new ChainSettings(meters, admission, random, nanoTime, client, log, sampler);
  }

  /** These settings with another admission policy. */
  public ChainSettings withAdmission(AdmissionPolicy policy) {
    return new ChainSettings(stats, policy, random, nanoTime, client, log, sampler);
  }

  /** These settings with another random source. */
  public ChainSettings withRandom(Supplier<RandomGenerator> source) {
    return new ChainSettings(stats, admission, source, nanoTime, client, log, sampler);
  }

  /** These settings telling {@code requestLog} of every completed request. */
  public ChainSettings withLog(RequestLog requestLog) {
    return new ChainSettings(stats, admission, random, nanoTime, client, requestLog, sampler);
  }

  /** These settings with other client settings (trusted proxies, geo, clock). */
  public ChainSettings withClient(ClientSettings settings) {
    return new ChainSettings(stats, admission, random, nanoTime, settings, log, sampler);
  }

  /** These settings deciding new traces' sampled flag with {@code traceSampler}. */
  public ChainSettings withSampler(TraceSampler traceSampler) {
    return new ChainSettings(stats, admission, random, nanoTime, client, log, traceSampler);
  }
}
