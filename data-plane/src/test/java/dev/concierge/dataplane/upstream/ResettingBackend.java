package dev.concierge.dataplane.upstream;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A backend on loopback that reads what arrives in one go (a small request), then resets. */
final class ResettingBackend implements AutoCloseable {
  private final ServerSocket socket;

  private ResettingBackend(ServerSocket socket) {
    this.socket = socket;
  }

  static ResettingBackend start() throws IOException {
    ResettingBackend backend =
        new ResettingBackend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    Thread resets = new Thread(backend::readThenReset, "resetter");
    resets.setDaemon(true);
    resets.start();
    return backend;
  }

  int port() {
    return socket.getLocalPort();
  }

  private void readThenReset() {
    while (!socket.isClosed()) {
      try (Socket s = socket.accept()) {
        s.setSoTimeout(2000);
        s.getInputStream().read(new byte[16 * 1024]);
        s.setSoLinger(true, 0);
      } catch (IOException e) {
        // closed, or the client went away first
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
