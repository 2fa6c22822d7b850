package dev.concierge.dataplane.transport.lean;

import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import dev.concierge.dataplane.limits.ConnectionGate;
import dev.concierge.dataplane.limits.LimitCounters;
import dev.concierge.dataplane.server.StickyReadEndPoint;
import dev.concierge.dataplane.upstream.UnresolvedHostException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ServerConnector} whose selectors also carry the upstream connections of {@link
 * LeanProxyTransport}: an upstream connection is registered with the same {@link ManagedSelector}
 * as the downstream connection that needed it, so both legs of an exchange are served by one
 * selector thread with no hand-off between them.
 *
 * <p>Downstream endpoints remember their selector (and its keep-alive pools); upstream endpoints
 * are neither counted nor closed as server connections. Thread-safe.
 */
public final class LeanConnector extends ServerConnector {
  /** Upper bound of the manager's own connect timeout; each connect schedules its cluster's. */
  private static final long MAX_CONNECT_TIMEOUT_MS = 120_000;

  private static final ThreadLocal<ManagedSelector> PREFERRED = new ThreadLocal<>();

  // Downstream connections accepted: one per TCP connection, whatever protocols it goes through.
  private final LongAdder accepted = new LongAdder();
  private volatile LimitCounters refusals = new LimitCounters();
  private volatile @Nullable ConnectionGate gate;

  public LeanConnector(
      Server server, int acceptors, int selectors, ConnectionFactory... factories) {
    super(server, acceptors, selectors, factories);
    getSelectorManager().setConnectTimeout(MAX_CONNECT_TIMEOUT_MS);
  }

  @Override
  protected SelectorManager newSelectorManager(
      Executor executor, Scheduler scheduler, int selectors) {
    return new Manager(executor, scheduler, selectors);
  }

  /**
   * Admits each accepted connection through {@code admitting} (the node's connection limits),
   * counting refusals on {@code counters} (which the listener's HTTP/1.1 connections count theirs
   * on too); set before start. Without a gate every connection is admitted.
   */
  public void gate(ConnectionGate admitting, LimitCounters counters) {
    this.refusals = counters;
    this.gate = admitting;
  }

  /** What this listener turned away: connections here, requests by its HTTP/1.1 connections. */
  public LimitCounters refusals() {
    return refusals;
  }

  /**
   * As {@link ServerConnector#accept(int)} in 12.1.14 (accept, non-blocking, configure the socket,
   * hand to a selector), with the gate between accept and selector: a refused connection is reset
   * at once on the acceptor thread (SO_LINGER 0: no TIME_WAIT left on the node), so a flood costs
   * an accept and a close, never a selector registration, a buffer or a parse.
   */
  @Override
  public void accept(int acceptorID) throws IOException {
    ConnectionGate admitting = gate;
    if (admitting == null) {
      super.accept(acceptorID);
      return;
    }
    ServerSocketChannel server = (ServerSocketChannel) getTransport();
    if (server == null || !server.isOpen()) {
      return;
    }
    SocketChannel channel = server.accept();
    if (channel == null) {
      return;
    }
    InetAddress address = peer(channel);
    ConnectionGate.Admission admission =
        address == null ? null : admitting.admit(address, refusals);
    if (admission == null) {
      reset(channel);
      return;
    }
    try {
      channel.configureBlocking(false);
      configure(channel.socket());
      getSelectorManager().accept(channel, admission);
    } catch (IOException | RuntimeException | Error e) {
      admission.release();
      IO.close(channel);
      throw e;
    }
  }

  private static @Nullable InetAddress peer(SocketChannel channel) {
    try {
      SocketAddress remote = channel.getRemoteAddress();
      return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    } catch (IOException e) {
      return null; // closed by the peer already
    }
  }

  private static void reset(SocketChannel channel) {
    try {
      channel.setOption(StandardSocketOptions.SO_LINGER, 0);
    } catch (IOException | RuntimeException e) {
      // Closed already: nothing to reset.
    }
    IO.close(channel);
  }

  @Override
  protected SocketChannelEndPoint newEndPoint(
      SocketChannel channel, ManagedSelector selector, SelectionKey key) throws IOException {
    accepted.increment();
    Manager manager = (Manager) getSelectorManager();
    DownstreamEndPoint endPoint =
        new DownstreamEndPoint(channel, selector, key, getScheduler(), manager.poolsOf(selector));
    if (key.attachment() instanceof ConnectionGate.Admission admission) {
      endPoint.admission = admission;
    }
    endPoint.setIdleTimeout(getIdleTimeout());
    return endPoint;
  }

  /** Downstream (client) connections accepted since the connector started. */
  public long acceptedConnections() {
    return accepted.sum();
  }

  /** Downstream (client) connections open now; upstream ones are not counted. */
  public int openConnections() {
    return getConnectedEndPoints().size();
  }

  /** The keep-alive pools of the selector serving {@code request}'s connection. */
  SelectorPools poolsFor(Request request) {
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    if (endPoint instanceof SslConnection.SslEndPoint decrypted) {
      // HTTPS: the network endpoint under TLS is ours (on this or a sibling connector).
      endPoint = decrypted.getSslConnection().getEndPoint();
    }
    if (endPoint instanceof DownstreamEndPoint downstream) {
      return downstream.pools;
    }
    // Not one of ours (e.g. a wrapped endpoint): any selector works, only the hand-off is lost.
    return ((Manager) getSelectorManager()).anyPools();
  }

  /** The keep-alive pools of every selector that has served a connection. */
  java.util.Collection<SelectorPools> allPools() {
    return ((Manager) getSelectorManager()).pools.values();
  }

  /** Opens a connection for {@code pending} on its preferred selector. Any thread. */
  void connect(PendingConnect pending) {
    Endpoint endpoint = pending.endpoint;
    // The cached address: a host name was resolved off this thread (HostResolver), if at all.
    InetSocketAddress address = endpoint.resolved().socketAddress(endpoint.port());
    if (address == null) {
      pending.failed(new UnresolvedHostException(endpoint.host()));
      return;
    }
    SocketChannel channel = null;
    try {
      channel = SocketChannel.open();
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      pending.channel = channel;
      pending.scheduleTimeout(getScheduler());
      boolean connected = channel.connect(address);
      PREFERRED.set(pending.pools.selector);
      try {
        if (connected) {
          getSelectorManager().accept(channel, pending);
        } else {
          getSelectorManager().connect(channel, pending);
        }
      } finally {
        PREFERRED.set(null);
      }
    } catch (Throwable failure) {
      IO.close(channel);
      pending.failed(failure);
    }
  }

  /** A downstream (client) endpoint that remembers the selector it lives on. */
  static final class DownstreamEndPoint extends StickyReadEndPoint {
    final SelectorPools pools;
    // Its place at the node's connection gate, given back when it closes; null without a gate.
    volatile ConnectionGate.@Nullable Admission admission;

    DownstreamEndPoint(
        SocketChannel channel,
        ManagedSelector selector,
        SelectionKey key,
        Scheduler scheduler,
        SelectorPools pools) {
      super(channel, selector, key, scheduler);
      this.pools = pools;
    }
  }

  /** An upstream endpoint: not a server connection. */
  static final class UpstreamEndPoint extends StickyReadEndPoint {
    private final java.nio.channels.Selector registeredWith;

    UpstreamEndPoint(
        SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
      super(channel, selector, key, scheduler);
      this.registeredWith = key.selector();
    }

    /** The NIO selector this endpoint's key belongs to (tests). */
    java.nio.channels.Selector registeredWith() {
      return registeredWith;
    }
  }

  /** Per selector: its keep-alive pools, one per endpoint. */
  static final class SelectorPools {
    // The connector whose selector manager opens connections on this selector.
    final LeanConnector connector;
    final ManagedSelector selector;
    private final int maxIdle;
    private final ConcurrentHashMap<Endpoint, UpstreamPool> pools = new ConcurrentHashMap<>();

    SelectorPools(LeanConnector connector, ManagedSelector selector, int maxIdle) {
      this.connector = connector;
      this.selector = selector;
      this.maxIdle = maxIdle;
    }

    /** Every pool of this selector (tests). */
    java.util.Collection<UpstreamPool> all() {
      return pools.values();
    }

    /** The pool of {@code endpoint} if this selector has one. */
    @Nullable UpstreamPool existing(Endpoint endpoint) {
      return pools.get(endpoint);
    }

    UpstreamPool pool(Endpoint endpoint) {
      UpstreamPool pool = pools.get(endpoint);
      return pool != null ? pool : pools.computeIfAbsent(endpoint, e -> new UpstreamPool(maxIdle));
    }
  }

  private final class Manager extends ServerConnectorManager {
    private final ConcurrentHashMap<ManagedSelector, SelectorPools> pools =
        new ConcurrentHashMap<>();

    Manager(Executor executor, Scheduler scheduler, int selectors) {
      super(executor, scheduler, selectors);
    }

    SelectorPools poolsOf(ManagedSelector selector) {
      SelectorPools existing = pools.get(selector);
      return existing != null
          ? existing
          : pools.computeIfAbsent(
              selector, s -> new SelectorPools(LeanConnector.this, s, LeanProxyTransport.MAX_IDLE));
    }

    SelectorPools anyPools() {
      return poolsOf(super.chooseSelector());
    }

    @Override
    protected ManagedSelector chooseSelector() {
      ManagedSelector preferred = PREFERRED.get();
      return preferred != null ? preferred : super.chooseSelector();
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(
        SelectableChannel channel, ManagedSelector selector, SelectionKey key) throws IOException {
      if (key.attachment() instanceof PendingConnect pending) {
        UpstreamEndPoint endPoint =
            new UpstreamEndPoint((SocketChannel) channel, selector, key, getScheduler());
        endPoint.setIdleTimeout(pending.exchange.activityTimeoutMillis());
        return endPoint;
      }
      return super.newEndPoint(channel, selector, key);
    }

    @Override
    public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment)
        throws IOException {
      if (attachment instanceof PendingConnect pending) {
        UpstreamTlsPolicy tls = pending.exchange.tls();
        if (tls == null) {
          return new UpstreamConnection(endPoint, getExecutor(), pending);
        }
        // TLS on the same selector: the SslConnection reads and writes the socket, the upstream
        // connection runs on its decrypted endpoint; the handshake starts with the first write.
        SslConnection ssl =
            new SslConnection(
                getByteBufferPool(),
                getExecutor(),
                null, // the engine is made already; the factory is only a certificate cache
                endPoint,
                tls.newEngine(pending.endpoint));
        ssl.setRenegotiationAllowed(false);
        EndPoint decrypted = ssl.getSslEndPoint();
        UpstreamConnection upstream = new UpstreamConnection(decrypted, getExecutor(), pending);
        ssl.addHandshakeListener(upstream.handshakeWatcher());
        decrypted.setConnection(upstream);
        return ssl;
      }
      return super.newConnection(channel, endPoint, attachment);
    }

    @Override
    protected void connectionFailed(
        SelectableChannel channel, Throwable failure, Object attachment) {
      if (attachment instanceof PendingConnect pending) {
        pending.failed(failure);
        return;
      }
      super.connectionFailed(channel, failure, attachment);
    }

    @Override
    protected void endPointOpened(EndPoint endPoint) {
      if (!(endPoint instanceof UpstreamEndPoint)) {
        super.endPointOpened(endPoint);
      }
    }

    @Override
    protected void endPointClosed(EndPoint endPoint) {
      if (!(endPoint instanceof UpstreamEndPoint)) {
        super.endPointClosed(endPoint);
      }
      if (endPoint instanceof DownstreamEndPoint downstream) {
        ConnectionGate.Admission admission = downstream.admission;
        if (admission != null) {
          admission.release();
        }
      }
    }

    @Override
    protected void onAcceptFailed(SelectableChannel channel, Throwable cause, Object attachment) {
      // Closed before it became an endpoint: its place at the gate is free again.
      if (attachment instanceof ConnectionGate.Admission admission) {
        admission.release();
      }
      super.onAcceptFailed(channel, cause, attachment);
    }
  }
}
