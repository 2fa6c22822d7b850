package dev.concierge.dataplane.config;

import dev.concierge.api.rules.ConfigProtocol;
import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.dataplane.runtime.CompileException;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of {@code ConfigDiscovery.StreamConfig}: identifies the node, compiles each
 * pushed snapshot, swaps it in and ACKs, or NACKs with the compiler's problems and keeps the old
 * runtime. When the stream breaks it moves to the next control plane after a jittered backoff;
 * the node keeps serving throughout. Thread-safe.
 */
public final class ConfigClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigClient.class);

  private final ControlPlaneChannels channels;
  private final NodeInfo node;
  private final RuntimeCompiler compiler;
  private final RuntimeHolder runtimes;
  private final Consumer<ConfigSnapshot> onApplied;
  private final Backoff backoff;
  private final ScheduledExecutorService scheduler;

  private final Object lock = new Object();
  /** Guarded by {@link #lock}. */
  private @Nullable ClientCallStreamObserver<ConfigRequest> stream;
  /** Guarded by {@link #lock}. */
  private boolean closed;

  /**
   * @param onApplied called after a snapshot is in force (e.g. to save it); must not throw
   * @param scheduler runs reconnects; owned by the caller
   */
  public ConfigClient(
      ControlPlaneChannels channels,
      NodeInfo node,
      RuntimeCompiler compiler,
      RuntimeHolder runtimes,
      Consumer<ConfigSnapshot> onApplied,
      Backoff backoff,
      ScheduledExecutorService scheduler) {
    this.channels = requireNonNull(channels, "channels");
    this.node = requireNonNull(node, "node").toBuilder().setProtocolVersion(ConfigProtocol.VERSION).build();
    this.compiler = requireNonNull(compiler, "compiler");
    this.runtimes = requireNonNull(runtimes, "runtimes");
    this.onApplied = requireNonNull(onApplied, "onApplied");
    this.backoff = requireNonNull(backoff, "backoff");
    this.scheduler = requireNonNull(scheduler, "scheduler");
  }

  /** Opens the first stream; returns at once. */
  public void start() {
    scheduler.execute(this::connect);
  }

  private void connect() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      String target = channels.currentTarget();
      LOG.debug("opening config stream to {}", target);
      Listener listener = new Listener(target);
      ConfigDiscoveryGrpc.newStub(channels.current()).streamConfig(listener);
      stream = listener.requests;
      long serving = Math.max(0, runtimes.revision());
      listener.send(ConfigRequest.newBuilder().setNode(node).setRevision(serving).build());
    }
  }

  private void reconnectLater(String target, Throwable cause) {
    Duration delay;
    synchronized (lock) {
      if (closed) {
        return;
      }
      channels.failover();
      delay = backoff.next();
    }
    LOG.warn("config stream to {} ended ({}); retrying {} in {} ms", target,
        Status.fromThrowable(cause).getCode(), channels.currentTarget(), delay.toMillis());
    var unused = scheduler.schedule(this::connectOrLog, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The scheduled reconnect: a failure to open a stream is logged, not lost in a Future. */
  private void connectOrLog() {
    try {
      connect();
    } catch (RuntimeException e) {
      LOG.error("could not open the config stream to {}", channels.currentTarget(), e);
    }
  }

  /** Answers one pushed snapshot: ACK if applied, NACK with the problems otherwise. */
  ConfigRequest apply(ConfigResponse response) {
    ConfigSnapshot snapshot = response.getSnapshot();
    ConfigRequest.Builder answer = ConfigRequest.newBuilder()
        .setRevision(snapshot.getRevision())
        .setResponseNonce(response.getNonce());
    try {
      Runtime runtime = compiler.compile(snapshot);
      runtimes.set(runtime);
      LOG.info("applied configuration revision {}", snapshot.getRevision());
      onApplied.accept(snapshot);
    } catch (CompileException e) {
      LOG.warn("rejected configuration revision {}: {}", snapshot.getRevision(), e.getMessage());
      answer.setErrorDetail(e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("could not apply configuration revision {}", snapshot.getRevision(), e);
      answer.setErrorDetail("internal error: " + e);
    }
    return answer.build();
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (stream != null) {
        stream.cancel("node shutting down", null);
        stream = null;
      }
    }
  }

  private final class Listener implements ClientResponseObserver<ConfigRequest, ConfigResponse> {
    private final String target;
    private @Nullable ClientCallStreamObserver<ConfigRequest> requests;

    Listener(String target) {
      this.target = target;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ConfigRequest> requestStream) {
      this.requests = requestStream;
    }

    void send(ConfigRequest request) {
      // StreamObserver is not thread-safe; the first request and the answers come from different
      // threads.
      synchronized (this) {
        requireNonNull(requests, "set when the stream starts").onNext(request);
      }
    }

    @Override
    public void onNext(ConfigResponse response) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        backoff.reset();
      }
      send(apply(response));
    }

    @Override
    public void onError(Throwable t) {
      reconnectLater(target, t);
    }

    @Override
    public void onCompleted() {
      // The server ends streams only when it goes away; treat it like a failure.
      reconnectLater(target, Status.UNAVAILABLE.withDescription("stream completed").asException());
    }
  }
}
