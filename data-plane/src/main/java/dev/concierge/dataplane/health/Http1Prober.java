package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 checks of HTTP1 clusters over plain non-blocking NIO: one selector thread
 * ("concierge-health-http1") does every check's connect, write, read, parsing and timeout, and
 * keeps one keep-alive connection per endpoint address between checks, as Envoy does, so a check
 * costs one write and one read rather than a connect, an accept and a close on both sides. A
 * connection is dropped when the answer says {@code Connection: close}, is close-delimited, is cut
 * short, fails the check's status, has a body over {@link HttpProber#MAX_BODY} or times out, and
 * when it has been idle for two intervals plus a timeout (its endpoint is no longer checked). A
 * check whose reused connection turns out closed by the server before any answer is retried once on
 * a new one. {@link #probe} only queues the check and wakes the selector, so the checker's timer
 * thread never waits. Thread-safe.
 */
final class Http1Prober implements Prober, AutoCloseable {
  /** The User-Agent of the checks, which lets backends leave them out of their logs. */
  static final String USER_AGENT = "concierge-health-check";

  private static final Logger LOG = LoggerFactory.getLogger(Http1Prober.class);
  private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Selector selector;
  private final Thread thread;
  private final Queue<Check> submitted = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final AtomicInteger openConnections = new AtomicInteger();
  private volatile boolean closed;

  // The selector thread's alone.
  private final ByteBuffer readBuffer;
  private final Map<InetSocketAddress, ArrayDeque<Connection>> idle = new HashMap<>();
  private final PriorityQueue<Check> deadlines =
      new PriorityQueue<>(Comparator.comparingLong(check -> check.deadlineNanos));
  private long nextSweepNanos;

  private Http1Prober(Selector selector, int readBufferSize) {
    this.selector = selector;
    this.readBuffer = ByteBuffer.allocate(readBufferSize);
    this.thread = new Thread(this::run, "concierge-health-http1");
    thread.setDaemon(true);
  }

  /** A started prober. */
  static Http1Prober start() throws IOException {
    return start(16 * 1024);
  }

  /** A started prober that reads at most {@code readBufferSize} bytes at a time (tests). */
  static Http1Prober start(int readBufferSize) throws IOException {
    Http1Prober prober = new Http1Prober(Selector.open(), readBufferSize);
    prober.thread.start();
    return prober;
  }

  @Override
  public void probe(Endpoint endpoint, HealthCheckPolicy policy, Result done) {
    HealthCheckPolicy.HttpCheck http = Objects.requireNonNull(policy.http(), "http");
    InetSocketAddress address = endpoint.resolved().socketAddress(endpoint.port());
    if (address == null) {
      done.ended("host not resolved"); // the name does not resolve (yet)
      return;
    }
    String host = http.host() != null ? http.host() : endpoint.uriHost() + ":" + endpoint.port();
    String head =
        (http.head() ? "HEAD " : "GET ")
            + http.path()
            + " HTTP/1.1\r\nHost: "
            + host
            + "\r\nUser-Agent: "
            + USER_AGENT
            + "\r\nAccept: */*\r\n\r\n";
    Check check =
        new Check(
            address,
            head.getBytes(StandardCharsets.UTF_8),
            http,
            policy,
            System.nanoTime() + policy.timeoutNanos(),
            done);
    if (closed) {
      done.ended("health checks stopped");
      return;
    }
    submitted.add(check);
    if (wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
    if (closed && submitted.remove(check)) {
      done.ended("health checks stopped"); // the selector thread may already be gone
    }
  }

  /** Connections open now, idle or in use (tests). */
  int openConnections() {
    return openConnections.get();
  }

  /** Whether the selector thread has ended (tests). */
  boolean stopped() {
    return !thread.isAlive();
  }

  /** Stops the selector thread, which closes every connection; waits for it a little. */
  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      nextSweepNanos = System.nanoTime() + SWEEP_NANOS;
      while (!closed) {
        long now = System.nanoTime();
        long wait = Math.min(nextSweepNanos, nextDeadline(now)) - now;
        wakeupPending.set(false);
        if (!submitted.isEmpty()) {
          selector.selectNow();
        } else {
          selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait) + 1));
        }
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          ready(key);
        }
        for (Check check = submitted.poll(); check != null; check = submitted.poll()) {
          begin(check);
        }
        now = System.nanoTime();
        expire(now);
        if (now - nextSweepNanos >= 0) {
          sweep(now);
          nextSweepNanos = now + SWEEP_NANOS;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("HTTP health check selector failed; HTTP/1.1 checks now fail", e);
      closed = true;
    } finally {
      shutDown();
    }
  }

  private long nextDeadline(long now) {
    Check first = deadlines.peek();
    return first == null ? now + SWEEP_NANOS : first.deadlineNanos;
  }

  private void begin(Check check) {
    deadlines.add(check);
    ArrayDeque<Connection> pool = idle.get(check.address);
    Connection reused = pool == null ? null : pool.poll();
    if (pool != null && pool.isEmpty()) {
      idle.remove(check.address);
    }
    if (reused != null) {
      check.reused = true;
      reused.attach(check);
      send(reused);
    } else {
      connect(check);
    }
  }

  private void connect(Check check) {
    SocketChannel channel;
    try {
      channel = SocketChannel.open();
    } catch (IOException e) {
      end(check, Prober.describe(e));
      return;
    }
    openConnections.incrementAndGet();
    Connection connection = new Connection(channel, check.address);
    connection.attach(check);
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      connection.key = channel.register(selector, 0, connection);
      if (channel.connect(check.address)) {
        send(connection);
      } else {
        connection.interest(SelectionKey.OP_CONNECT);
      }
    } catch (IOException | RuntimeException e) {
      failed(connection, e);
    }
  }

  private void ready(SelectionKey key) {
    Connection connection = (Connection) key.attachment();
    if (!key.isValid()) {
      return;
    }
    if (connection.check == null) {
      // An idle connection that turns readable was closed by the server or sent what nobody
      // asked for: either way it cannot carry the next check.
      drop(connection);
      return;
    }
    try {
      if (key.isConnectable()) {
        connection.channel.finishConnect();
        send(connection);
      } else if (key.isWritable()) {
        send(connection);
      } else if (key.isReadable()) {
        receive(connection);
      }
    } catch (IOException | RuntimeException e) {
      failed(connection, e);
    }
  }

  private void send(Connection connection) {
    Check check = Objects.requireNonNull(connection.check);
    try {
      connection.channel.write(check.request);
    } catch (IOException e) {
      failed(connection, e);
      return;
    }
    connection.interest(
        check.request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
  }

  private void receive(Connection connection) throws IOException {
    Check check = Objects.requireNonNull(connection.check);
    Http1ResponseParser parser = check.parser;
    while (true) {
      readBuffer.clear();
      int read = connection.channel.read(readBuffer);
      if (read < 0) {
        if (retry(connection)) {
          return;
        }
        try {
          parser.endOfInput();
        } catch (Http1ResponseParser.MalformedException e) {
          finish(connection, "malformed response: " + e.getMessage(), false);
          return;
        }
        finish(connection, verdict(check), false);
        return;
      }
      readBuffer.flip();
      boolean complete;
      try {
        complete = parser.feed(readBuffer);
      } catch (Http1ResponseParser.MalformedException e) {
        finish(connection, "malformed response: " + e.getMessage(), false);
        return;
      }
      if (parser.headComplete() && !check.http.expects(parser.status())) {
        finish(connection, "status " + parser.status(), false);
        return;
      }
      if (complete) {
        // Bytes after the answer mean the server and we disagree on framing.
        boolean reusable = parser.reusable() && !readBuffer.hasRemaining();
        finish(connection, verdict(check), reusable);
        return;
      }
      if (read < readBuffer.capacity()) {
        return; // drained for now: the selector says when more arrives
      }
    }
  }

  private static @Nullable String verdict(Check check) {
    int status = check.parser.status();
    if (!check.http.expects(status)) {
      return "status " + status;
    }
    String wanted = check.http.bodyContains();
    if (wanted != null && !check.parser.bodyText().contains(wanted)) {
      return "body lacks \"" + wanted + "\"";
    }
    return null;
  }

  /**
   * A reused connection that fails before any byte of the answer was most likely closed by the
   * server while idle; the check goes again, once, on a new connection.
   */
  private boolean retry(Connection connection) {
    Check check = Objects.requireNonNull(connection.check);
    if (!check.reused || check.parser.anyBytes()) {
      return false;
    }
    connection.check = null;
    close(connection);
    check.reused = false;
    check.request.rewind();
    connect(check);
    return true;
  }

  private void failed(Connection connection, Exception e) {
    if (connection.check != null && retry(connection)) {
      return;
    }
    finish(connection, Prober.describe(e), false);
  }

  private void finish(Connection connection, @Nullable String failure, boolean reusable) {
    Check check = connection.check;
    connection.check = null;
    if (check != null && reusable && !closed) {
      connection.idleSince = System.nanoTime();
      connection.idleLimitNanos = 2 * check.policy.intervalNanos() + check.policy.timeoutNanos();
      connection.interest(SelectionKey.OP_READ);
      idle.computeIfAbsent(connection.address, a -> new ArrayDeque<>(1)).add(connection);
    } else {
      close(connection);
    }
    if (check != null) {
      end(check, failure);
    }
  }

  private void end(Check check, @Nullable String failure) {
    if (check.ended) {
      return;
    }
    check.ended = true;
    deadlines.remove(check);
    try {
      check.done.ended(failure);
    } catch (RuntimeException e) {
      LOG.warn("health check result handler failed", e);
    }
  }

  private void expire(long now) {
    for (Check first = deadlines.peek();
        first != null && now - first.deadlineNanos >= 0;
        first = deadlines.peek()) {
      deadlines.poll();
      Connection connection = first.connection;
      if (connection != null && connection.check == first) {
        connection.check = null;
        close(connection);
      }
      end(
          first,
          "timed out after " + TimeUnit.NANOSECONDS.toMillis(first.policy.timeoutNanos()) + " ms");
    }
  }

  /** Closes the idle connections of endpoints no longer checked (or checked no more so often). */
  private void sweep(long now) {
    for (Iterator<ArrayDeque<Connection>> pools = idle.values().iterator(); pools.hasNext(); ) {
      ArrayDeque<Connection> pool = pools.next();
      for (Iterator<Connection> it = pool.iterator(); it.hasNext(); ) {
        Connection connection = it.next();
        if (now - connection.idleSince > connection.idleLimitNanos) {
          it.remove();
          close(connection);
        }
      }
      if (pool.isEmpty()) {
        pools.remove();
      }
    }
  }

  private void drop(Connection connection) {
    ArrayDeque<Connection> pool = idle.get(connection.address);
    if (pool != null) {
      pool.remove(connection);
      if (pool.isEmpty()) {
        idle.remove(connection.address);
      }
    }
    close(connection);
  }

  private void close(Connection connection) {
    if (connection.closed) {
      return;
    }
    connection.closed = true;
    openConnections.decrementAndGet();
    try {
      connection.channel.close(); // also cancels its key
    } catch (IOException e) {
      // nothing to do: the check's result does not depend on a clean close
    }
  }

  private void shutDown() {
    for (SelectionKey key : new ArrayList<>(selector.keys())) {
      if (key.attachment() instanceof Connection connection) {
        Check check = connection.check;
        connection.check = null;
        close(connection);
        if (check != null) {
          end(check, "health checks stopped");
        }
      }
    }
    idle.clear();
    for (Check check = deadlines.poll(); check != null; check = deadlines.poll()) {
      end(check, "health checks stopped");
    }
    for (Check check = submitted.poll(); check != null; check = submitted.poll()) {
      end(check, "health checks stopped");
    }
    try {
      selector.close();
    } catch (IOException e) {
      LOG.debug("health check selector did not close cleanly", e);
    }
  }

  /** One check in flight. */
  private static final class Check {
    final InetSocketAddress address;
    final ByteBuffer request;
    final HealthCheckPolicy.HttpCheck http;
    final HealthCheckPolicy policy;
    final long deadlineNanos;
    final Result done;
    final Http1ResponseParser parser;
    boolean reused;
    boolean ended;
    @Nullable Connection connection;

    Check(
        InetSocketAddress address,
        byte[] request,
        HealthCheckPolicy.HttpCheck http,
        HealthCheckPolicy policy,
        long deadlineNanos,
        Result done) {
      this.address = address;
      this.request = ByteBuffer.wrap(request);
      this.http = http;
      this.policy = policy;
      this.deadlineNanos = deadlineNanos;
      this.done = done;
      this.parser = new Http1ResponseParser(http.head(), http.bodyContains() != null);
    }
  }

  /** One connection to an endpoint address, carrying a check or idle in the pool. */
  private static final class Connection {
    final SocketChannel channel;
    final InetSocketAddress address;
    @Nullable SelectionKey key;
    @Nullable Check check;
    long idleSince;
    long idleLimitNanos;
    boolean closed;

    Connection(SocketChannel channel, InetSocketAddress address) {
      this.channel = channel;
      this.address = address;
    }

    void attach(Check check) {
      this.check = check;
      check.connection = this;
    }

    void interest(int ops) {
      SelectionKey k = Objects.requireNonNull(key, "key");
      if (k.interestOps() != ops) {
        k.interestOps(ops);
      }
    }
  }
}
