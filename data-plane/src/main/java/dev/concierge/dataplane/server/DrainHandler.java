package dev.concierge.dataplane.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.Graceful;

/**
 * Counts the requests in flight so that a graceful stop ({@code Server.stop()} with a stop timeout)
 * waits for them. Unlike Jetty's {@code GracefulHandler} it never refuses: once the node drains, a
 * request that arrives on a connection already open is still served, and the shut-down connector
 * answers it with {@code Connection: close} (HTTP/2: GOAWAY), so a keep-alive client loses nothing
 * and moves on. New connections are refused by the connector itself, which closes its listening
 * socket. Does not complete the callback itself; writes no status. Thread-safe.
 */
public final class DrainHandler extends Handler.Wrapper implements Graceful {
  private final LongAdder inFlight = new LongAdder();
  private final Graceful.Shutdown shutdown =
      new Graceful.Shutdown(this) {
        @Override
        public boolean isShutdownDone() {
          return inFlight.sum() == 0;
        }
      };

  public DrainHandler(Handler handler) {
    super(handler);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    inFlight.increment();
    boolean handled;
    try {
      handled = super.handle(request, response, new Counted(callback));
    } catch (Throwable t) {
      ended();
      throw t;
    }
    if (!handled) {
      ended();
    }
    return handled;
  }

  /** Requests handled and not yet completed (tests, admin). */
  public long inFlight() {
    return inFlight.sum();
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    return shutdown.shutdown();
  }

  @Override
  public boolean isShutdown() {
    return shutdown.isShutdown();
  }

  private void ended() {
    inFlight.decrement();
    if (shutdown.isShutdown()) {
      shutdown.check();
    }
  }

  /** The request's callback, counting the request out once it completes either way. */
  private final class Counted extends Callback.Nested {
    Counted(Callback callback) {
      super(callback);
    }

    @Override
    public void succeeded() {
      try {
        super.succeeded();
      } finally {
        ended();
      }
    }

    @Override
    public void failed(Throwable failure) {
      try {
        super.failed(failure);
      } finally {
        ended();
      }
    }
  }
}
