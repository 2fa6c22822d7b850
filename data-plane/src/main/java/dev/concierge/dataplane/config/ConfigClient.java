package dev.concierge.dataplane.config;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.ConfigProtocol;
import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.dataplane.runtime.CompileException;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import io.grpc.ConnectivityState;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of {@code ConfigDiscovery.StreamConfig}: identifies the node, compiles each
 * pushed snapshot, swaps it in and ACKs, or NACKs with the compiler's problems and keeps the old
 * runtime. When the stream breaks it moves to the next control plane after a jittered backoff; an
 * attempt waits for its connection for one backoff window, then moves on. The node keeps serving
 * throughout. Thread-safe.
 */
public final class ConfigClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigClient.class);

  /** The shortest wait for a connection before an attempt is abandoned for the next one. */
  private static final Duration MIN_ATTEMPT = Duration.ofMillis(250);

  private final ControlPlaneChannels channels;
  private final NodeInfo node;
  private final RuntimeCompiler compiler;
  private final RuntimeHolder runtimes;
  private final Consumer<ConfigSnapshot> onApplied;
  private final Backoff backoff;
  private final ScheduledExecutorService scheduler;
  private final ConfigUpdates updates;

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
    this(
        channels,
        node,
        compiler,
        runtimes,
        onApplied,
        backoff,
        scheduler,
        new ConfigUpdates(InstantSource.system()));
  }

  /**
   * @param onApplied called after a snapshot is in force (e.g. to save it); must not throw
   * @param scheduler runs reconnects; owned by the caller
   * @param updates counts the snapshots applied and rejected
   */
  public ConfigClient(
      ControlPlaneChannels channels,
      NodeInfo node,
      RuntimeCompiler compiler,
      RuntimeHolder runtimes,
      Consumer<ConfigSnapshot> onApplied,
      Backoff backoff,
      ScheduledExecutorService scheduler,
      ConfigUpdates updates) {
    this.updates = requireNonNull(updates, "updates");
    this.channels = requireNonNull(channels, "channels");
    this.node =
        requireNonNull(node, "node").toBuilder().setProtocolVersion(ConfigProtocol.VERSION).build();
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
    Listener listener;
    Duration window;
    synchronized (lock) {
      if (closed) {
        return;
      }
      String target = channels.currentTarget();
      // Connect now rather than after gRPC's own reconnect backoff (see ControlPlaneChannels).
      channels.resetConnectBackoff();
      LOG.debug("opening config stream to {}", target);
      listener = new Listener(target);
      // Wait-for-ready: the stream goes out the moment the connection this attempt started is up.
      // Without it, an attempt made while the channel reconnects fails at once (gRPC keeps a
      // channel in TRANSIENT_FAILURE until it is READY), and the node waits one more backoff.
      ConfigDiscoveryGrpc.newStub(channels.current()).withWaitForReady().streamConfig(listener);
      stream = listener.requests;
      long serving = Math.max(0, runtimes.revision());
      listener.send(ConfigRequest.newBuilder().setNode(node).setRevision(serving).build());
      window = backoff.next();
      if (window.compareTo(MIN_ATTEMPT) < 0) {
        window = MIN_ATTEMPT;
      }
    }
    scheduleLogged(() -> abandonIfNotConnected(listener), window);
  }

  /**
   * Ends an attempt whose channel is still not connected after its window, and starts the next one,
   * on the next control plane: the attempts of a node follow its jittered backoff, and it is back
   * within one window (at most the backoff's cap) of its control plane's return.
   */
  private void abandonIfNotConnected(Listener listener) {
    synchronized (lock) {
      ClientCallStreamObserver<ConfigRequest> current = stream;
      if (closed
          || current == null
          || current != listener.requests
          || listener.answered
          || listener.ended
          || channels.state() == ConnectivityState.READY) {
        return; // replaced, answered, or on its way over a live connection
      }
      listener.abandoned = true;
      current.cancel("no connection to " + listener.target + " yet", null);
      stream = null;
      channels.failover();
    }
    LOG.debug("no connection to {} yet; trying {}", listener.target, channels.currentTarget());
    connect();
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
    LOG.warn(
        "config stream to {} ended ({}); retrying {} in {} ms",
        target,
        Status.fromThrowable(cause).getCode(),
        channels.currentTarget(),
        delay.toMillis());
    scheduleLogged(this::connect, delay);
  }

  /**
   * Runs a reconnect step after the delay. A step that throws is logged here, not lost in a Future
   * that nobody reads.
   */
  private void scheduleLogged(Runnable step, Duration delay) {
    Runnable logged =
        () -> {
          try {
            step.run();
          } catch (RuntimeException e) {
            LOG.error("config stream to {} could not be opened", channels.currentTarget(), e);
          }
        };
    var unused = scheduler.schedule(logged, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Answers one pushed snapshot: ACK if applied, NACK with the problems otherwise. */
  ConfigRequest apply(ConfigResponse response) {
    ConfigSnapshot snapshot = response.getSnapshot();
    ConfigRequest.Builder answer =
        ConfigRequest.newBuilder()
            .setRevision(snapshot.getRevision())
            .setResponseNonce(response.getNonce());
    try {
      long start = System.nanoTime();
      Runtime runtime = compiler.compile(snapshot);
      runtimes.set(runtime);
      updates.applied();
      LOG.info(
          "applied configuration revision {} (compiled in {} ms)",
          snapshot.getRevision(),
          (System.nanoTime() - start) / 1_000_000);
      onApplied.accept(snapshot);
    } catch (CompileException e) {
      LOG.warn("rejected configuration revision {}: {}", snapshot.getRevision(), e.getMessage());
      answer.setErrorDetail(e.getMessage());
      updates.rejected();
    } catch (RuntimeException e) {
      LOG.error("could not apply configuration revision {}", snapshot.getRevision(), e);
      answer.setErrorDetail("internal error: " + e);
      updates.rejected();
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

    /** Guarded by the client's lock. */
    private boolean answered;

    /** Guarded by the client's lock: cancelled by us to move on; its end is no failure. */
    private boolean abandoned;

    /** Guarded by the client's lock: failed or completed; a reconnect is scheduled. */
    private boolean ended;

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
        answered = true;
        backoff.reset();
      }
      send(apply(response));
    }

    @Override
    public void onError(Throwable t) {
      synchronized (lock) {
        if (abandoned) {
          return;
        }
        ended = true;
      }
      reconnectLater(target, t);
    }

    @Override
    public void onCompleted() {
      // The server ends streams only when it goes away; treat it like a failure.
      synchronized (lock) {
        ended = true;
      }
      reconnectLater(target, Status.UNAVAILABLE.withDescription("stream completed").asException());
    }
  }
}
