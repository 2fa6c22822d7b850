package dev.concierge.dataplane.transport.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.IteratingCallback;
import org.jspecify.annotations.Nullable;

/**
 * One direction of a tunnel: what its endpoint reads is written to the peer's endpoint, the next
 * read only after that write completed (back-pressure); end of input shuts the peer's output (a
 * half-close travels on), a failure or an idle timeout closes both legs. Bytes already read by the
 * connection this one replaced ({@link Connection.UpgradeTo}) go first.
 *
 * <p>Thread-safe: one {@link IteratingCallback} runs the direction at a time.
 */
final class Splice extends AbstractConnection implements Connection.UpgradeTo {
  private final ByteBufferPool buffers;
  private final int bufferSize;
  private final Pump pump = new Pump();
  private @Nullable Splice peer;
  private @Nullable ByteBuffer leftover;
  private @Nullable Runnable onOpened;

  Splice(EndPoint endPoint, Executor executor, ByteBufferPool buffers, int bufferSize) {
    super(endPoint, executor);
    this.buffers = buffers;
    this.bufferSize = bufferSize;
  }

  /** Joins the two directions of a tunnel. */
  static void join(Splice a, Splice b) {
    a.peer = b;
    b.peer = a;
  }

  /** Runs {@code action} once this connection is open on its endpoint. */
  void onOpened(Runnable action) {
    this.onOpened = action;
  }

  @Override
  public void onUpgradeTo(ByteBuffer buffer) {
    if (BufferUtil.hasContent(buffer)) {
      ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
      copy.put(buffer).flip();
      leftover = copy;
    }
  }

  @Override
  public void onOpen() {
    super.onOpen();
    Runnable action = onOpened;
    if (action != null) {
      onOpened = null;
      action.run();
    }
    pump.iterate();
  }

  @Override
  public void onFillable() {
    pump.iterate();
  }

  @Override
  protected boolean onReadTimeout(TimeoutException timeout) {
    closeBoth(timeout);
    return false;
  }

  @Override
  public boolean onIdleExpired(TimeoutException timeout) {
    closeBoth(timeout);
    return true;
  }

  private void closeBoth(Throwable cause) {
    getEndPoint().close(cause);
    Splice other = peer;
    if (other != null) {
      other.getEndPoint().close(cause);
    }
  }

  private EndPoint peerEndPoint() {
    Splice other = peer;
    if (other == null) {
      throw new IllegalStateException("splice not joined");
    }
    return other.getEndPoint();
  }

  /** Reads, writes to the peer, repeats; waits for readability when there is nothing to read. */
  private final class Pump extends IteratingCallback {
    private RetainableByteBuffer.@Nullable Mutable buffer;

    @Override
    protected Action process() throws IOException {
      release();
      ByteBuffer first = leftover;
      if (first != null) {
        leftover = null;
        peerEndPoint().write(this, first);
        return Action.SCHEDULED;
      }
      RetainableByteBuffer.Mutable acquired = buffers.acquire(bufferSize, true);
      ByteBuffer bytes = acquired.getByteBuffer();
      BufferUtil.clear(bytes);
      int filled = getEndPoint().fill(bytes);
      if (filled > 0) {
        buffer = acquired;
        peerEndPoint().write(this, bytes);
        return Action.SCHEDULED;
      }
      acquired.release();
      if (filled == 0) {
        fillInterested(this);
        return Action.SCHEDULED;
      }
      // End of input: pass the half-close on; the peer's direction closes the rest.
      peerEndPoint().shutdownOutput();
      if (getEndPoint().isOutputShutdown()) {
        getEndPoint().close();
      }
      return Action.SUCCEEDED;
    }

    private void release() {
      RetainableByteBuffer.Mutable current = buffer;
      if (current != null) {
        buffer = null;
        current.release();
      }
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
      release();
      closeBoth(cause);
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }
}
