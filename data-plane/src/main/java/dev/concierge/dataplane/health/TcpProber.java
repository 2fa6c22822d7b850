package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

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
      done.ended("host not resolved");
      return;
    }
    AsynchronousSocketChannel channel;
    try {
      channel = AsynchronousSocketChannel.open();
    } catch (IOException e) {
      done.ended(Prober.describe(e));
      return;
    }
    AtomicBoolean reported = new AtomicBoolean();
    Runnable timeout =
        () -> {
          if (reported.compareAndSet(false, true)) {
            closeQuietly(channel);
            done.ended("connect timed out");
          }
        };
    var pending = timer.schedule(timeout, policy.timeoutNanos());
    channel.connect(
        address,
        null,
        new CompletionHandler<Void, Void>() {
          @Override
          public void completed(Void result, Void attachment) {
            finish(null);
          }

          @Override
          public void failed(Throwable failure, Void attachment) {
            finish(Prober.describe(failure));
          }

          private void finish(@Nullable String failure) {
            closeQuietly(channel);
            if (reported.compareAndSet(false, true)) {
              pending.cancel();
              done.ended(failure);
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
