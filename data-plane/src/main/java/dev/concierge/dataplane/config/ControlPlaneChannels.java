package dev.concierge.dataplane.config;

import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import org.jspecify.annotations.Nullable;

/**
 * TLS channels to the configured control planes, in failover order; the node proves who it is with
 * the client certificate its key manager presents (see {@link #credentials}). Channels are created
 * on first use and kept until {@link #refresh()}; thread-safe.
 */
public final class ControlPlaneChannels implements AutoCloseable {
  private final List<String> targets;
  private final ManagedChannel[] channels;
  private final List<ManagedChannel> retired = new ArrayList<>();
  private final ChannelCredentials tls;
  private final AtomicInteger current = new AtomicInteger();
  private boolean closed;

  /**
   * @param targets "host:port" of each control plane, in the order to try them
   * @param tls the channels' TLS settings, see {@link #credentials}
   */
  public ControlPlaneChannels(List<String> targets, ChannelCredentials tls) {
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("at least one control plane is required");
    }
    this.targets = List.copyOf(targets);
    this.channels = new ManagedChannel[targets.size()];
    this.tls = tls;
  }

  /** {@link #credentials(Path, KeyManager)} without a client certificate. */
  public static ChannelCredentials credentials(@Nullable Path caFile) {
    return credentials(caFile, null);
  }

  /**
   * TLS that trusts the CA in this PEM file ({@code ca.crt} of the control plane's data dir), or
   * the JVM's default trust store when null, and presents the client certificate of {@code
   * clientKeys} when it has one. There is no plain-text choice: the channel carries the private
   * keys of served certificates.
   *
   * @throws UncheckedIOException when the file cannot be read or holds no certificate
   */
  public static ChannelCredentials credentials(
      @Nullable Path caFile, @Nullable KeyManager clientKeys) {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    if (clientKeys != null) {
      b.keyManager(clientKeys);
    }
    if (caFile == null) {
      return b.build();
    }
    try (InputStream in = Files.newInputStream(caFile)) {
      if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
        throw new IOException("no PEM certificate in it");
      }
      return b.trustManager(caFile.toFile()).build();
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new UncheckedIOException(
          new IOException("cannot read the control plane CA " + caFile + ": " + e.getMessage(), e));
    }
  }

  /** The control plane to use now. */
  public String currentTarget() {
    return targets.get(current.get());
  }

  /** The channel to the control plane to use now. */
  public synchronized Channel current() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    int i = current.get();
    ManagedChannel channel = channels[i];
    if (channel == null) {
      channel =
          Grpc.newChannelBuilder(targets.get(i), tls)
              // Not below the server's default permitKeepAliveTime (5 min), which would earn a
              // GOAWAY.
              .keepAliveTime(5, TimeUnit.MINUTES)
              .keepAliveTimeout(20, TimeUnit.SECONDS)
              .build();
      channels[i] = channel;
    }
    return channel;
  }

  /**
   * Makes the next calls use new connections (e.g. to present a new client certificate), while the
   * calls running now finish on the old ones: old channels are shut down gracefully.
   */
  public synchronized void refresh() {
    retired.removeIf(ManagedChannel::isTerminated);
    for (int i = 0; i < channels.length; i++) {
      ManagedChannel old = channels[i];
      if (old != null) {
        old.shutdown();
        retired.add(old);
        channels[i] = null;
      }
    }
  }

  /**
   * Lets the current channel connect at once on its next call, instead of waiting out gRPC's own
   * reconnect backoff (1 s growing by 1.6 up to 2 min), which after a long outage would add tens of
   * seconds to ours. Our jittered {@link Backoff} is then the only delay between attempts.
   */
  public synchronized void resetConnectBackoff() {
    ManagedChannel channel = channels[current.get()];
    if (channel != null && !closed) {
      channel.resetConnectBackoff();
    }
  }

  /** The connectivity of the current channel; IDLE before its first use. */
  public synchronized ConnectivityState state() {
    ManagedChannel channel = channels[current.get()];
    return channel == null || closed ? ConnectivityState.IDLE : channel.getState(false);
  }

  /** Moves on to the next control plane (wrapping around) after a failure. */
  public void failover() {
    current.updateAndGet(i -> (i + 1) % targets.size());
  }

  @Override
  public synchronized void close() {
    closed = true;
    List<ManagedChannel> all = new ArrayList<>(retired);
    for (ManagedChannel channel : channels) {
      if (channel != null) {
        all.add(channel);
      }
    }
    for (ManagedChannel channel : all) {
      channel.shutdownNow();
    }
    for (ManagedChannel channel : all) {
      if (channel != null) {
        try {
          channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** For logs: every target in order. */
  public List<String> targets() {
    return targets;
  }
}
