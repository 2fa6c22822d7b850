package dev.concierge.dataplane.config;

import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * TLS channels to the configured control planes, in failover order, each carrying the node token.
 * Channels are created on first use and kept; thread-safe.
 */
public final class ControlPlaneChannels implements AutoCloseable {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final List<String> targets;
  private final ManagedChannel[] channels;
  private final Channel[] authenticated;
  private final Metadata credentials;
  private final ChannelCredentials tls;
  private final AtomicInteger current = new AtomicInteger();
  private boolean closed;

  /**
   * @param targets "host:port" of each control plane, in the order to try them
   * @param nodeToken sent as {@code authorization: Bearer <token>} on every call
   * @param tls the channels' TLS settings, see {@link #credentials}
   */
  public ControlPlaneChannels(List<String> targets, String nodeToken, ChannelCredentials tls) {
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("at least one control plane is required");
    }
    this.targets = List.copyOf(targets);
    this.channels = new ManagedChannel[targets.size()];
    this.authenticated = new Channel[targets.size()];
    this.credentials = new Metadata();
    credentials.put(AUTHORIZATION, "Bearer " + nodeToken);
    this.tls = tls;
  }

  /**
   * TLS that trusts the CA in this PEM file ({@code ca.crt} of the control plane's data dir), or
   * the JVM's default trust store when null. There is no plain-text choice: the channel carries the
   * private keys of served certificates.
   *
   * @throws UncheckedIOException when the file cannot be read or holds no certificate
   */
  public static ChannelCredentials credentials(@Nullable Path caFile) {
    if (caFile == null) {
      return TlsChannelCredentials.create();
    }
    try (InputStream in = Files.newInputStream(caFile)) {
      if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
        throw new IOException("no PEM certificate in it");
      }
      return TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build();
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
    if (channels[i] == null) {
      channels[i] =
          Grpc.newChannelBuilder(targets.get(i), tls)
              // Not below the server's default permitKeepAliveTime (5 min), which would earn a
              // GOAWAY.
              .keepAliveTime(5, TimeUnit.MINUTES)
              .keepAliveTimeout(20, TimeUnit.SECONDS)
              .build();
      authenticated[i] =
          ClientInterceptors.intercept(
              channels[i], MetadataUtils.newAttachHeadersInterceptor(credentials));
    }
    return authenticated[i];
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
    for (ManagedChannel channel : channels) {
      if (channel != null) {
        channel.shutdownNow();
      }
    }
    for (ManagedChannel channel : channels) {
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
