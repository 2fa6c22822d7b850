package dev.concierge.dataplane.transport.lean;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted HTTP/1.1 backend on a raw socket, for framing cases a real server will not produce:
 * each request is answered by {@link Script#answer}, which sees how many requests came before it on
 * the same connection.
 */
final class RawBackend implements AutoCloseable {
  /** What to do with one request. */
  interface Script {
    /** The bytes to send, or {@code null} to close without answering. */
    Answer answer(String head, byte[] body, int indexOnConnection);
  }

  /** Bytes to send, then keep the connection or close it. */
  @SuppressWarnings("ArrayRecordComponent") // a carrier of raw bytes; never compared or hashed
  record Answer(byte[] bytes, boolean close) {
    static Answer keep(String text) {
      return new Answer(text.getBytes(StandardCharsets.ISO_8859_1), false);
    }

    static Answer close(String text) {
      return new Answer(text.getBytes(StandardCharsets.ISO_8859_1), true);
    }
  }

  private final ServerSocket server;
  private final Script script;
  final AtomicInteger connections = new AtomicInteger();
  final List<String> heads = new CopyOnWriteArrayList<>();
  final List<byte[]> bodies = new CopyOnWriteArrayList<>();

  RawBackend(Script script) throws IOException {
    this.script = script;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "raw-backend-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        connections.incrementAndGet();
        Thread t = new Thread(() -> serve(socket), "raw-backend-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      for (int index = 0; ; index++) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        byte[] body = readBody(in, head);
        heads.add(head);
        bodies.add(body);
        Answer answer = script.answer(head, body, index);
        if (answer == null) {
          return;
        }
        out.write(answer.bytes());
        out.flush();
        if (answer.close()) {
          return;
        }
      }
    } catch (IOException e) {
      // the proxy went away
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      state =
          (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
              ? state + 1
              : 0;
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static byte[] readBody(InputStream in, String head) throws IOException {
    String lower = head.toLowerCase(Locale.ROOT);
    int cl = lower.indexOf("\r\ncontent-length:");
    if (cl >= 0) {
      int end = lower.indexOf("\r\n", cl + 2);
      int length = Integer.parseInt(lower.substring(cl + 17, end).trim());
      return in.readNBytes(length);
    }
    if (lower.contains("\r\ntransfer-encoding: chunked")) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String line = readLine(in);
        int size = Integer.parseInt(line.trim(), 16);
        if (size == 0) {
          readLine(in);
          return body.toByteArray();
        }
        body.write(in.readNBytes(size));
        readLine(in);
      }
    }
    return new byte[0];
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
