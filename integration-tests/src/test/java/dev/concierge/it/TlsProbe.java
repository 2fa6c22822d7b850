package dev.concierge.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A TLS client for tests: handshakes with a chosen SNI name and ALPN list (fresh context each time,
 * so no session is resumed) and reports what the server chose; and raw ClientHellos for what a JDK
 * client would refuse to send (TLS 1.1, CBC or RSA key exchange suites).
 */
final class TlsProbe {
  private TlsProbe() {}

  /** What one handshake negotiated. */
  record Handshake(X509Certificate leaf, String protocol, String cipherSuite, String alpn) {}

  /** Opens a TLS connection to 127.0.0.1:port naming {@code sni} (null: none). */
  static SSLSocket connect(int port, String sni, String... alpn) throws IOException {
    return connect(port, sni, null, alpn);
  }

  /** Opens a TLS 1.2 connection offering only {@code suites}, without ALPN. */
  static SSLSocket connectTls12(int port, String sni, String... suites) throws IOException {
    return connect(port, sni, suites, new String[0]);
  }

  private static SSLSocket connect(int port, String sni, String[] tls12Suites, String[] alpn)
      throws IOException {
    SSLSocket socket = (SSLSocket) trustAll().getSocketFactory().createSocket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    socket.setSoTimeout(10_000);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    if (alpn.length > 0) {
      parameters.setApplicationProtocols(alpn);
    }
    if (tls12Suites != null) {
      parameters.setProtocols(new String[] {"TLSv1.2"});
      parameters.setCipherSuites(tls12Suites);
    }
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    return socket;
  }

  /** Handshakes and closes. */
  static Handshake handshake(int port, String sni, String... alpn) throws IOException {
    try (SSLSocket socket = connect(port, sni, alpn)) {
      return describe(socket);
    }
  }

  static Handshake describe(SSLSocket socket) throws IOException {
    return new Handshake(
        (X509Certificate) socket.getSession().getPeerCertificates()[0],
        socket.getSession().getProtocol(),
        socket.getSession().getCipherSuite(),
        String.valueOf(socket.getApplicationProtocol()));
  }

  /** Sends a GET over HTTP/1.1 on {@code socket} (kept alive) and returns status line and body. */
  static String get(SSLSocket socket, String host, String path) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return readResponse(socket);
  }

  /**
   * Reads one HTTP/1.1 response (with Content-Length) from {@code socket}: status line and body.
   */
  static String readResponse(SSLSocket socket) throws IOException {
    InputStream in = socket.getInputStream();
    String head = readHead(in);
    int length = 0;
    for (String line : head.lines().toList()) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = new DataInputStream(in).readNBytes(length);
    return head.substring(0, head.indexOf("\r\n"))
        + "\n"
        + new String(body, StandardCharsets.UTF_8);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed in the response head: " + head);
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  /** A context that trusts any server: the tests look at what the server sent instead. */
  static SSLContext trustAll() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          null,
          new TrustManager[] {
            new X509TrustManager() {
              @Override
              public void checkClientTrusted(X509Certificate[] chain, String authType) {}

              @Override
              public void checkServerTrusted(X509Certificate[] chain, String authType) {}

              @Override
              public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
              }
            }
          },
          new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- raw ClientHellos

  /** TLS 1.1 and TLS 1.2 as ClientHello.client_version. */
  static final int TLS_1_1 = 0x0302;

  static final int TLS_1_2 = 0x0303;

  /** Alert descriptions (RFC 8446 §6). */
  static final int HANDSHAKE_FAILURE = 40;

  static final int PROTOCOL_VERSION = 70;

  /** What the server answered a raw ClientHello with: a handshake record, or an alert. */
  record Answer(boolean serverHello, int alert) {}

  /**
   * Sends a ClientHello of {@code version} offering only {@code cipherSuites} (with the usual
   * groups and signature algorithms), and reads the first record the server answers with.
   */
  static Answer rawHello(int port, int version, int... cipherSuites) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(clientHello(version, cipherSuites));
      socket.getOutputStream().flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int type = in.readUnsignedByte();
      in.readUnsignedShort(); // record version
      int length = in.readUnsignedShort();
      byte[] fragment = in.readNBytes(length);
      if (type == 22) {
        return new Answer(fragment.length > 0 && fragment[0] == 2, -1);
      }
      if (type == 21 && fragment.length == 2) {
        return new Answer(false, fragment[1] & 0xff);
      }
      throw new IOException("unexpected record type " + type);
    }
  }

  private static byte[] clientHello(int version, int... cipherSuites) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    u16(body, version);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    body.writeBytes(random);
    body.write(0); // no session id
    u16(body, cipherSuites.length * 2);
    for (int suite : cipherSuites) {
      u16(body, suite);
    }
    body.write(1); // compression methods: null only
    body.write(0);
    ByteArrayOutputStream extensions = new ByteArrayOutputStream();
    // supported_groups: x25519, secp256r1
    extension(extensions, 0x000a, new int[] {0x0004, 0x001d, 0x0017});
    // ec_point_formats: uncompressed
    extensions.writeBytes(new byte[] {0x00, 0x0b, 0x00, 0x02, 0x01, 0x00});
    // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256
    extension(extensions, 0x000d, new int[] {0x0006, 0x0403, 0x0804, 0x0401});
    u16(body, extensions.size());
    body.writeBytes(extensions.toByteArray());

    ByteArrayOutputStream handshake = new ByteArrayOutputStream();
    handshake.write(1); // client_hello
    handshake.write(0);
    u16(handshake, body.size());
    handshake.writeBytes(body.toByteArray());

    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.write(22);
    u16(record, 0x0301);
    u16(record, handshake.size());
    record.writeBytes(handshake.toByteArray());
    return record.toByteArray();
  }

  private static void extension(ByteArrayOutputStream out, int type, int[] u16s) {
    u16(out, type);
    u16(out, u16s.length * 2);
    for (int value : u16s) {
      u16(out, value);
    }
  }

  private static void u16(ByteArrayOutputStream out, int value) {
    out.write((value >> 8) & 0xff);
    out.write(value & 0xff);
  }
}
