package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TCP checks: an asynchronous connect that passes when it completes within the timeout; the
 * connection is closed at once. Thread-safe.
 */
final class TcpProber implements Prober {
  private final CheckTimer timer;

  TcpProber(CheckTimer timer) {
    this.timer = timer;
  }

  @Override
  public void probe(Endpoint endpoint, HealthCheckPolicy policy, Result done) {
    InetSocketAddress address = endpoint.resolved().socketAddress(endpoint.port());
    if (address == null) {
      done.passed(false);
      return;
    }
    AsynchronousSocketChannel channel;
    try {
      channel = AsynchronousSocketChannel.open();
    } catch (IOException e) {
      done.passed(false);
      return;
    }
    AtomicBoolean reported = new AtomicBoolean();
    Runnable timeout =
        () -> {
          if (reported.compareAndSet(false, true)) {
            closeQuietly(channel);
            done.passed(false);
          }
        };
    var pending = timer.schedule(timeout, policy.timeoutNanos());
    channel.connect(
        address,
        null,
        new CompletionHandler<Void, Void>() {
          @Override
          public void completed(Void result, Void attachment) {
            finish(true);
          }

          @Override
          public void failed(Throwable failure, Void attachment) {
            finish(false);
          }

          private void finish(boolean passed) {
            closeQuietly(channel);
            if (reported.compareAndSet(false, true)) {
              pending.cancel();
              done.passed(passed);
            }
          }
        });
  }

  private static void closeQuietly(AsynchronousSocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to do: the check's result does not depend on a clean close
    }
  }
}
