package dev.concierge.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the server commands share: a clear message for a port that is taken, and a shutdown hook
 * that stops the servers on SIGINT/SIGTERM.
 */
final class ServerSupport {

  private ServerSupport() {}

  /**
   * Fails with one clear line when {@code host:port} cannot be bound. The servers would fail too,
   * but deep inside Netty or Jetty with a less direct message. Port 0 always passes.
   */
  static void ensurePortFree(String host, int port, String option) {
    if (port < 0 || port > 65_535) {
      throw new CommandFailure(option + " " + port + " is not a port (0-65535)");
    }
    if (port == 0) {
      return;
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new CommandFailure("cannot resolve bind address '" + host + "'");
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(address, port));
    } catch (IOException e) {
      throw new CommandFailure(
          "port "
              + port
              + " on "
              + host
              + " is already in use ("
              + option
              + "): stop what is using it or choose another port");
    }
  }

  /** Something to wait for, such as a server's awaitTermination. */
  @FunctionalInterface
  interface Termination {
    void await() throws InterruptedException;
  }

  /**
   * Blocks until every server has terminated, the JVM is asked to exit (Ctrl-C, SIGTERM) or this
   * thread is interrupted; then runs {@code stop} exactly once. Interruption is how in-JVM callers
   * stop a server command; it ends the wait normally, with the interrupt flag restored.
   *
   * <p>A stop asked for by a signal is an orderly one, not a crash: once {@code stop} has returned
   * the process exits 0 (as nginx and Envoy do), where the JVM would exit 143 or 130. The hook is
   * removed before the command returns, so it runs only for a signal.
   */
  static void serveUntilStopped(String name, Runnable stop, Termination... terminations) {
    AtomicBoolean stopped = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    Runnable once =
        () -> {
          if (stopped.compareAndSet(false, true)) {
            try {
              stop.run();
            } finally {
              done.countDown();
            }
          } else {
            // The other caller is stopping: return once it has finished, not before.
            awaitUninterruptibly(done);
          }
        };
    Thread hook =
        new Thread(
            () -> {
              once.run();
              // Other hooks (none are ours) ran alongside this one; the stop has finished.
              Runtime.getRuntime().halt(0);
            },
            "concierge-" + name + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    boolean interrupted = false;
    try {
      for (Termination t : terminations) {
        t.await();
      }
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      // Stops with the interrupt flag clear: servers that wait for their threads would give up.
      once.run();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down, so the hook runs (or ran) once anyway.
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
