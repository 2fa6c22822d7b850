package dev.concierge.dataplane.server;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A socket endpoint that keeps read interest registered with the selector between reads, and skips
 * the read system call when the socket is known to be drained.
 *
 * <p>Jetty's endpoint removes read interest from the key each time the socket is selected readable
 * and adds it back when the connection next asks to read: for a proxied request that is two {@code
 * epoll_ctl} calls on the client connection (it waits for the upstream response with no read
 * pending), plus a selector update queued under a lock each time. And when a response completes,
 * Jetty's HTTP/1.1 connection reads twice to look for a pipelined request before it asks to be told
 * of one: two {@code read} calls that return nothing. Measured on the 1 KiB proxy benchmark, those
 * four system calls were the whole difference in system time per request between the node and nginx
 * (which registers each socket once, edge-triggered).
 *
 * <p>Here read interest stays registered (epoll is level-triggered, so nothing is ever missed): it
 * is removed only when the socket turns readable while nobody wants to read, so an unexpected
 * sender cannot make the selector spin, and added back, by a key update, on the next read interest.
 * A read that returns fewer bytes than the buffer had room for means the socket's receive queue was
 * empty at that instant; until the selector reports the socket readable again, {@link #fill}
 * answers 0 without asking the kernel. Answering 0 is always allowed; every caller then registers
 * read interest, and a byte that arrived meanwhile makes the still-registered key selected at once.
 * Write interest is Jetty's: added for an incomplete flush, removed when selected.
 *
 * <p>Thread-safe: interest changes come from any thread and are serialised by a lock; {@link
 * #onSelected} and {@link #updateKey} run on the selector thread.
 */
public abstract class StickyReadEndPoint extends SocketChannelEndPoint {
  private static final Logger LOG = LoggerFactory.getLogger(StickyReadEndPoint.class);

  private final Object lock = new Object();
  private final ManagedSelector selector;
  private final ManagedSelector.SelectorUpdate updateKeyAction = s -> updateKey();
  private final Runnable runFillable = new Task(true, false);
  private final Runnable runCompleteWrite = new Task(false, true);
  private final Runnable runCompleteWriteFillable = new Task(true, true);
  private SelectionKey key;
  // Guarded by lock.
  private boolean updatePending;
  private int currentInterestOps;
  private int desiredInterestOps;
  // A short read emptied the receive queue and the selector has not reported it readable since.
  private volatile boolean drained;
  // Written by the selector thread only; read (racily) by tests that check the selector idles.
  private int selections;

  protected StickyReadEndPoint(
      SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
    super(channel, selector, key, scheduler);
    this.selector = selector;
    this.key = key;
  }

  @Override
  public int fill(ByteBuffer buffer) throws IOException {
    if (drained) {
      return isInputShutdown() ? -1 : 0;
    }
    if (isInputShutdown()) {
      return -1;
    }
    int pos = BufferUtil.flipToFill(buffer);
    int room = buffer.remaining();
    int filled;
    try {
      filled = getChannel().read(buffer);
      if (filled > 0) {
        notIdle();
        if (filled < room) {
          drained = true;
        }
      } else if (filled == 0) {
        drained = true;
      } else {
        shutdownInput();
      }
    } catch (IOException e) {
      LOG.debug("read failed, input shut down", e);
      shutdownInput();
      filled = -1;
    } finally {
      BufferUtil.flipToFlush(buffer, pos);
    }
    return filled;
  }

  @Override
  protected void needsFillInterest() {
    addInterest(SelectionKey.OP_READ);
  }

  @Override
  protected void onIncompleteFlush() {
    addInterest(SelectionKey.OP_WRITE);
  }

  @Override
  public Callback cancelWrite(Throwable cause) {
    // Jetty's version also clears write interest in its own (unused here) bookkeeping; the key
    // update it may queue calls our updateKey(), which applies our interests: harmless.
    Callback callback = super.cancelWrite(cause);
    if (callback != null) {
      boolean submit;
      synchronized (lock) {
        desiredInterestOps &= ~SelectionKey.OP_WRITE;
        submit = !updatePending && desiredInterestOps != currentInterestOps;
      }
      if (submit) {
        selector.submit(updateKeyAction);
      }
    }
    return callback;
  }

  @Override
  public boolean isWriteInterested() {
    synchronized (lock) {
      return (desiredInterestOps & SelectionKey.OP_WRITE) != 0;
    }
  }

  private void addInterest(int operation) {
    boolean submit;
    synchronized (lock) {
      int old = desiredInterestOps;
      if ((old & operation) != 0) {
        return; // already wanted: the key has it, or an update that adds it is on its way
      }
      desiredInterestOps = old | operation;
      submit = !updatePending;
    }
    if (submit) {
      selector.submit(updateKeyAction);
    }
  }

  /** How many times the selector has reported this endpoint ready (tests). */
  public int selections() {
    return selections;
  }

  @Override
  public @Nullable Runnable onSelected() {
    selections++;
    int readyOps = key.readyOps();
    boolean fillable = (readyOps & SelectionKey.OP_READ) != 0;
    boolean flushable = (readyOps & SelectionKey.OP_WRITE) != 0;
    if (fillable) {
      drained = false;
    }
    synchronized (lock) {
      updatePending = true;
      int ops = desiredInterestOps & ~(readyOps & SelectionKey.OP_WRITE);
      // Readable with nobody reading: stop listening until someone wants to read. A read
      // interest registered after this check finds OP_READ gone and adds it back.
      if (fillable && !getFillInterest().isInterested()) {
        ops &= ~SelectionKey.OP_READ;
        fillable = false;
      }
      desiredInterestOps = ops;
    }
    if (fillable) {
      return flushable ? runCompleteWriteFillable : runFillable;
    }
    return flushable ? runCompleteWrite : null;
  }

  @Override
  public void updateKey() {
    try {
      synchronized (lock) {
        updatePending = false;
        if (currentInterestOps != desiredInterestOps) {
          currentInterestOps = desiredInterestOps;
          key.interestOps(desiredInterestOps);
        }
      }
    } catch (CancelledKeyException x) {
      LOG.debug("key cancelled, closing {}", this, x);
      close();
    } catch (RuntimeException x) {
      LOG.warn("key update failed, closing {}", this, x);
      close();
    }
  }

  @Override
  public void replaceKey(SelectionKey newKey) {
    super.replaceKey(newKey);
    key = newKey;
  }

  /** A selector task: complete a pending write, then run the read callback, as selected. */
  private final class Task implements Runnable, Invocable, Closeable {
    private final boolean fill;
    private final boolean write;

    Task(boolean fill, boolean write) {
      this.fill = fill;
      this.write = write;
    }

    @Override
    public void run() {
      if (write) {
        getWriteFlusher().completeWrite();
      }
      if (fill) {
        getFillInterest().fillable();
      }
    }

    @Override
    public InvocationType getInvocationType() {
      if (!write) {
        return getFillInterest().getCallbackInvocationType();
      }
      InvocationType flushType = getWriteFlusher().getCallbackInvocationType();
      if (!fill) {
        return flushType;
      }
      InvocationType fillType = getFillInterest().getCallbackInvocationType();
      return Invocable.combine(fillType, flushType);
    }

    /** A task dropped when the selector stops closes the endpoint, as Jetty's do. */
    @Override
    public void close() {
      StickyReadEndPoint.this.close();
    }

    @Override
    public String toString() {
      return StickyReadEndPoint.this + (fill ? ":fill" : "") + (write ? ":write" : "");
    }
  }
}
