package dev.concierge.dataplane.identity;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import dev.concierge.api.v1.JoinRequest;
import dev.concierge.api.v1.NodeCertificate;
import dev.concierge.api.v1.NodeEnrollmentGrpc;
import dev.concierge.api.v1.RenewRequest;
import dev.concierge.dataplane.config.Backoff;
import dev.concierge.dataplane.config.ControlPlaneChannels;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets the node its client certificate and keeps it fresh: reuses a stored one that is still valid,
 * else joins with the join token (a new EC P-256 key and CSR); renews at two thirds of the time
 * left, and joins again if the certificate expired and a token is at hand. A refusal is logged once
 * per reason and retried quietly with backoff. Thread-safe (all steps run on the scheduler).
 */
public final class Enrollment implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Enrollment.class);

  /** No renewal sooner than this after the last one, however short the lifetime. */
  static final Duration MIN_RENEW_DELAY = Duration.ofSeconds(1);

  private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  private final String nodeId;
  private final @Nullable String joinToken;
  private final @Nullable IdentityFiles files;
  private final IdentityKeyManager keys;
  private final ControlPlaneChannels channels;
  private final InstantSource clock;
  private final Backoff backoff;
  private final ScheduledExecutorService scheduler;

  private final Object lock = new Object();
  // All guarded by lock.
  private @Nullable Runnable onFirstIdentity;
  private @Nullable String lastProblem;
  private boolean closed;

  /**
   * @param joinToken the secret of {@code concierge node token create}, or null when the node
   *     relies on a stored certificate
   * @param files where the identity is kept, or null to keep it in memory only
   * @param scheduler runs every step; owned by the caller
   */
  public Enrollment(
      String nodeId,
      @Nullable String joinToken,
      @Nullable IdentityFiles files,
      IdentityKeyManager keys,
      ControlPlaneChannels channels,
      InstantSource clock,
      Backoff backoff,
      ScheduledExecutorService scheduler) {
    this.nodeId = requireNonNull(nodeId, "nodeId");
    this.joinToken = joinToken == null || joinToken.isBlank() ? null : joinToken.strip();
    this.files = files;
    this.keys = requireNonNull(keys, "keys");
    this.channels = requireNonNull(channels, "channels");
    this.clock = requireNonNull(clock, "clock");
    this.backoff = requireNonNull(backoff, "backoff");
    this.scheduler = requireNonNull(scheduler, "scheduler");
  }

  /**
   * Loads a stored identity into the key manager.
   *
   * @return whether the node can get an identity at all: a stored one or a join token
   */
  public boolean load() {
    if (files != null) {
      files.load(nodeId).ifPresent(keys::set);
    }
    return joinToken != null || keys.identity().isPresent();
  }

  /**
   * Starts: {@code onFirstIdentity} runs once the node holds a valid certificate (at once with a
   * stored one), on the scheduler.
   */
  public void start(Runnable onFirstIdentity) {
    synchronized (lock) {
      this.onFirstIdentity = requireNonNull(onFirstIdentity, "onFirstIdentity");
    }
    scheduler.execute(this::step);
  }

  /** Renews, joins or waits, depending on the identity held now. */
  private void step() {
    NodeIdentity current = keys.identity().orElse(null);
    Instant now = clock.instant();
    if (current != null && current.validAt(now)) {
      ready();
      scheduleRenewal(current);
    } else if (joinToken != null) {
      join(joinToken);
    } else {
      problem(
          "the node certificate expired"
              + (current == null ? "" : " at " + current.notAfter())
              + " and there is no join token to join again (--join-token)");
    }
  }

  private void ready() {
    Runnable first;
    synchronized (lock) {
      first = onFirstIdentity;
      onFirstIdentity = null;
    }
    if (first != null) {
      first.run();
    }
  }

  private void scheduleRenewal(NodeIdentity identity) {
    Duration delay = renewalDelay(clock.instant(), identity.notAfter());
    LOG.debug(
        "node certificate valid until {}; renewing in {} s",
        identity.notAfter(),
        delay.toSeconds());
    schedule(this::renew, delay);
  }

  /** The delay before the renewal of a certificate valid until {@code notAfter}, seen at now. */
  static Duration renewalDelay(Instant now, Instant notAfter) {
    Duration delay = Duration.between(now, notAfter).multipliedBy(2).dividedBy(3);
    return delay.compareTo(MIN_RENEW_DELAY) < 0 ? MIN_RENEW_DELAY : delay;
  }

  private void join(String token) {
    KeyPair pair = NodeIdentity.newKeyPair();
    JoinRequest request =
        JoinRequest.newBuilder()
            .setJoinToken(token)
            .setNodeId(nodeId)
            .setCsr(ByteString.copyFrom(NodeIdentity.csr(pair, nodeId)))
            .build();
    NodeEnrollmentGrpc.newStub(channels.current())
        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .join(request, new Answer(pair, "join"));
  }

  private void renew() {
    NodeIdentity current = keys.identity().orElse(null);
    if (current == null || !current.validAt(clock.instant())) {
      step();
      return;
    }
    KeyPair pair = NodeIdentity.newKeyPair();
    RenewRequest request =
        RenewRequest.newBuilder()
            .setCsr(ByteString.copyFrom(NodeIdentity.csr(pair, nodeId)))
            .build();
    NodeEnrollmentGrpc.newStub(channels.current())
        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .renew(request, new Answer(pair, "renew"));
  }

  private void accepted(NodeIdentity identity, String how) {
    if (files != null) {
      try {
        files.save(identity);
      } catch (IOException e) {
        LOG.warn("cannot store the node certificate ({}); keeping it in memory", e.getMessage());
      }
    }
    keys.set(identity);
    // New connections present the new certificate; streams open now keep theirs.
    channels.refresh();
    backoff.reset();
    synchronized (lock) {
      lastProblem = null;
    }
    LOG.info(
        "node certificate {} (valid until {})",
        how.equals("join") ? "issued" : "renewed",
        identity.notAfter());
    ready();
    scheduleRenewal(identity);
  }

  private void failed(Status status, String how) {
    String description = Objects.toString(status.getDescription(), status.getCode().name());
    switch (status.getCode()) {
      case UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT ->
          problem(
              how.equals("join")
                  ? "control plane refused the join token: " + description
                  : "control plane refused to renew the node certificate: " + description);
      default -> {
        LOG.debug("cannot {} at {}: {}", how, channels.currentTarget(), description);
        channels.failover();
      }
    }
    schedule(this::step, backoff.next());
  }

  /** Logs a problem once until it changes or the node succeeds. */
  private void problem(String message) {
    synchronized (lock) {
      if (message.equals(lastProblem)) {
        LOG.debug("{}", message);
        return;
      }
      lastProblem = message;
    }
    LOG.warn("{}", message);
  }

  private void schedule(Runnable step, Duration delay) {
    synchronized (lock) {
      if (closed) {
        return;
      }
    }
    Runnable logged =
        () -> {
          synchronized (lock) {
            if (closed) {
              return;
            }
          }
          try {
            step.run();
          } catch (RuntimeException e) {
            LOG.error("node certificate step failed", e);
            schedule(this::step, backoff.next());
          }
        };
    try {
      var unused = scheduler.schedule(logged, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("node shutting down; step dropped");
    }
  }

  /** Runs an answer's handling on the scheduler, unless the node is shutting down. */
  private void onScheduler(Runnable step) {
    try {
      scheduler.execute(step);
    } catch (RejectedExecutionException e) {
      LOG.debug("node shutting down; answer dropped");
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
  }

  /** The answer to one join or renewal. */
  private final class Answer implements StreamObserver<NodeCertificate> {
    private final KeyPair pair;
    private final String how;
    private @Nullable NodeCertificate certificate;

    Answer(KeyPair pair, String how) {
      this.pair = pair;
      this.how = how;
    }

    @Override
    public void onNext(NodeCertificate value) {
      certificate = value;
    }

    @Override
    public void onError(Throwable t) {
      onScheduler(() -> failed(Status.fromThrowable(t), how));
    }

    @Override
    public void onCompleted() {
      NodeCertificate answer = certificate;
      onScheduler(
          () -> {
            if (answer == null) {
              failed(Status.INTERNAL.withDescription("no certificate in the answer"), how);
              return;
            }
            NodeIdentity identity;
            try {
              identity = NodeIdentity.of(nodeId, pair.getPrivate(), answer.getCertificateChain());
            } catch (RuntimeException e) {
              failed(Status.INTERNAL.withDescription(e.getMessage()), how);
              return;
            }
            if (!identity.chain().get(0).getPublicKey().equals(pair.getPublic())) {
              failed(Status.INTERNAL.withDescription("the certificate is not for our key"), how);
              return;
            }
            accepted(identity, how);
          });
    }
  }
}
