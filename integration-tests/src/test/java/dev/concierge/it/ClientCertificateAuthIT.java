package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.FieldMask;
import com.sun.net.httpserver.Headers;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ClientAuthentication;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.UpdateCertificateRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client-certificate authentication per SNI name on a node's HTTPS port: a REQUIRED name refuses a
 * handshake without a certificate from its CA bundle, an OPTIONAL one takes none but refuses one
 * from another CA, a name without client authentication never asks for a certificate; the verified
 * identity reaches the backend in X-Client-Cert-* headers, which a client can never set itself; and
 * a new CA bundle applies to new handshakes.
 */
class ClientCertificateAuthIT {
  private static final String REQUIRED = "mtls.example.test";
  private static final String OPTIONAL = "opt.example.test";
  private static final String PLAIN = "plain.example.test";
  private static final List<String> IDENTITY_HEADERS =
      List.of("X-Client-Cert-Subject", "X-Client-Cert-Fingerprint", "X-Client-Cert-Verified");
  private static final TestPki.Issued NO_CERTIFICATE = null;

  @TempDir Path dataDir;
  private final TestPki serverPki = new TestPki("Server CA");
  private final TestPki clientsX = new TestPki("Client CA X");
  private final TestPki clientsY = new TestPki("Client CA Y");
  private TestBackend backend;
  private Fleet fleet;
  private int httpsPort;
  private int httpPort;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("web");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("web", backend);
    fleet.createRoute("web", "/", "web");
    addCertificate("mtls", REQUIRED, ClientAuthentication.Mode.REQUIRED, clientsX);
    addCertificate("opt", OPTIONAL, ClientAuthentication.Mode.OPTIONAL, clientsX);
    // The default certificate: what clients without SNI get.
    addCertificate("plain", PLAIN, null, null);
    fleet.awaitSynced();
    httpsPort = fleet.nodes().get(0).httpsPort();
    httpPort = fleet.nodes().get(0).httpPort();
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backend.close();
  }

  private void addCertificate(
      String id, String host, ClientAuthentication.Mode mode, TestPki clientCa) {
    TestPki.Issued issued = serverPki.issue(host, true, host);
    Certificate.Builder certificate =
        Certificate.newBuilder()
            .setCertificateChain(issued.chainPem())
            .setPrivateKey(issued.keyPem())
            .setDefaultCertificate(mode == null);
    if (mode != null) {
      certificate.setClientAuthentication(
          ClientAuthentication.newBuilder().setMode(mode).setCaBundle(TestPki.pem(clientCa.ca())));
    }
    fleet
        .api()
        .createCertificate(
            CreateCertificateRequest.newBuilder()
                .setCertificateId(id)
                .setCertificate(certificate)
                .build());
  }

  @Test
  void requiredNameRefusesAHandshakeWithoutACertificate() {
    assertThatThrownBy(() -> get(REQUIRED, NO_CERTIFICATE, "/none"))
        .isInstanceOf(IOException.class);
    assertThat(backend.requests()).isZero();
  }

  @Test
  void requiredNamePassesTheVerifiedIdentityToTheBackend() throws Exception {
    TestPki.Issued client = clientsX.issue("alice", true);

    assertThat(get(REQUIRED, client, "/alice")).isEqualTo("HTTP/1.1 200 OK\nweb");

    Headers seen = backend.lastRequestHeaders();
    assertThat(seen.getFirst("X-Client-Cert-Subject"))
        .isEqualTo(client.leaf().getSubjectX500Principal().getName(X500Principal.RFC2253))
        .isEqualTo("CN=alice");
    assertThat(seen.getFirst("X-Client-Cert-Fingerprint"))
        .isEqualTo(
            HexFormat.of()
                .formatHex(
                    MessageDigest.getInstance("SHA-256").digest(client.leaf().getEncoded())));
    assertThat(seen.getFirst("X-Client-Cert-Verified")).isEqualTo("SUCCESS");
  }

  @Test
  void aClientHelloCutIntoManyRecordsStillGetsItsNamesClientAuthentication() throws Exception {
    TestPki.Issued client = clientsX.issue("grace", true);

    assertThat(
            get(REQUIRED, new RecordingKeyManager(client), "/cut", "", new HelloCuttingSocket(7)))
        .isEqualTo("HTTP/1.1 200 OK\nweb");
    assertThat(backend.lastRequestHeaders().getFirst("X-Client-Cert-Subject"))
        .isEqualTo("CN=grace");
    assertThatThrownBy(
            () ->
                get(
                    REQUIRED,
                    new RecordingKeyManager(NO_CERTIFICATE),
                    "/cut",
                    "",
                    new HelloCuttingSocket(7)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aCertificateFromAnotherCaFailsTheHandshakeInBothModes() {
    TestPki.Issued stranger = clientsY.issue("mallory", true);

    assertThatThrownBy(() -> get(REQUIRED, stranger, "/y")).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> get(OPTIONAL, stranger, "/y")).isInstanceOf(IOException.class);
    assertThat(backend.requests()).isZero();
  }

  @Test
  void optionalNameServesAClientWithoutACertificateWithoutIdentityHeaders() throws Exception {
    RecordingKeyManager asked = new RecordingKeyManager(null);

    assertThat(get(OPTIONAL, asked, "/anonymous")).isEqualTo("HTTP/1.1 200 OK\nweb");

    // It was asked (so the absence below means something), and sent nothing.
    assertThat(asked.requests.get()).isPositive();
    assertThat(asked.issuers).contains(clientsX.ca().getSubjectX500Principal());
    IDENTITY_HEADERS.forEach(h -> assertThat(backend.lastRequestHeaders().get(h)).isNull());
    // With a certificate from its CA the optional name passes the identity on.
    assertThat(get(OPTIONAL, clientsX.issue("bob", false), "/bob"))
        .isEqualTo("HTTP/1.1 200 OK\nweb");
    assertThat(backend.lastRequestHeaders().getFirst("X-Client-Cert-Subject")).isEqualTo("CN=bob");
  }

  @Test
  void aNameWithoutClientAuthenticationNeverAsksForACertificate() throws Exception {
    RecordingKeyManager asked = new RecordingKeyManager(clientsX.issue("carol", true));

    assertThat(get(PLAIN, asked, "/plain")).isEqualTo("HTTP/1.1 200 OK\nweb");
    assertThat(get(null, asked, "/no-sni")).isEqualTo("HTTP/1.1 200 OK\nweb");

    assertThat(asked.requests.get()).isZero();
    IDENTITY_HEADERS.forEach(h -> assertThat(backend.lastRequestHeaders().get(h)).isNull());
  }

  @Test
  void forgedIdentityHeadersNeverReachTheBackend() throws Exception {
    String forged =
        "X-Client-Cert-Subject: CN=admin\r\n"
            + "x-client-cert-fingerprint: 00\r\n"
            + "X-CLIENT-CERT-VERIFIED: SUCCESS\r\n";

    Http.RawResponse plain =
        Http.raw(
            httpPort,
            "GET /forged HTTP/1.1\r\nHost: " + PLAIN + "\r\n" + forged,
            java.io.InputStream.nullInputStream(),
            0);
    assertThat(plain.status()).isEqualTo(200);
    IDENTITY_HEADERS.forEach(h -> assertThat(backend.lastRequestHeaders().get(h)).isNull());

    assertThat(get(PLAIN, NO_CERTIFICATE, "/forged", forged)).isEqualTo("HTTP/1.1 200 OK\nweb");
    IDENTITY_HEADERS.forEach(h -> assertThat(backend.lastRequestHeaders().get(h)).isNull());

    assertThat(get(OPTIONAL, NO_CERTIFICATE, "/forged", forged)).isEqualTo("HTTP/1.1 200 OK\nweb");
    IDENTITY_HEADERS.forEach(h -> assertThat(backend.lastRequestHeaders().get(h)).isNull());

    // With a verified certificate the node's values replace the forged ones.
    assertThat(get(REQUIRED, clientsX.issue("dave", true), "/forged", forged))
        .isEqualTo("HTTP/1.1 200 OK\nweb");
    assertThat(backend.lastRequestHeaders().get("X-Client-Cert-Subject"))
        .containsExactly("CN=dave");
    assertThat(backend.lastRequestHeaders().get("X-Client-Cert-Verified"))
        .containsExactly("SUCCESS");
  }

  @Test
  void aNewCaBundleAppliesToNewHandshakes() throws Exception {
    TestPki.Issued fromX = clientsX.issue("erin", true);
    TestPki.Issued fromY = clientsY.issue("frank", true);
    assertThat(get(REQUIRED, fromX, "/x")).isEqualTo("HTTP/1.1 200 OK\nweb");

    fleet
        .api()
        .updateCertificate(
            UpdateCertificateRequest.newBuilder()
                .setCertificate(
                    Certificate.newBuilder()
                        .setName("certificates/mtls")
                        .setClientAuthentication(
                            ClientAuthentication.newBuilder()
                                .setMode(ClientAuthentication.Mode.REQUIRED)
                                .setCaBundle(TestPki.pem(clientsY.ca()))))
                .setUpdateMask(FieldMask.newBuilder().addPaths("client_authentication"))
                .build());
    fleet.awaitSynced();

    await()
        .atMost(Duration.ofSeconds(5))
        .ignoreExceptions()
        .until(() -> get(REQUIRED, fromY, "/y").equals("HTTP/1.1 200 OK\nweb"));
    assertThatThrownBy(() -> get(REQUIRED, fromX, "/x")).isInstanceOf(IOException.class);
    assertThat(backend.lastRequestHeaders().getFirst("X-Client-Cert-Subject"))
        .isEqualTo("CN=frank");
  }

  // ---- client side

  private String get(String sni, TestPki.Issued client, String path) throws Exception {
    return get(sni, client, path, "");
  }

  private String get(String sni, TestPki.Issued client, String path, String extraHeaders)
      throws Exception {
    return get(sni, new RecordingKeyManager(client), path, extraHeaders);
  }

  private String get(String sni, RecordingKeyManager keys, String path) throws Exception {
    return get(sni, keys, path, "");
  }

  /**
   * A fresh TLS connection (a new client context: no resumption) naming {@code sni}, offering
   * {@code keys}' client certificate when asked, and one HTTP/1.1 GET. A refused client certificate
   * surfaces as an IOException from the handshake or the first read (TLS 1.3 reports it after the
   * client's Finished).
   */
  private String get(String sni, RecordingKeyManager keys, String path, String extraHeaders)
      throws Exception {
    return get(sni, keys, path, extraHeaders, new Socket());
  }

  private String get(
      String sni, RecordingKeyManager keys, String path, String extraHeaders, Socket tcp)
      throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {keys}, new TrustManager[] {TRUST_ALL}, new SecureRandom());
    tcp.setTcpNoDelay(true);
    tcp.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpsPort), 5_000);
    try (SSLSocket socket =
        (SSLSocket)
            context
                .getSocketFactory()
                .createSocket(
                    tcp, InetAddress.getLoopbackAddress().getHostAddress(), httpsPort, true)) {
      socket.setSoTimeout(10_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
      parameters.setApplicationProtocols(new String[] {"http/1.1"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      String host = sni == null ? "127.0.0.1" : sni;
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return TlsProbe.readResponse(socket);
    }
  }

  /**
   * A TCP socket that re-cuts the client's first TLS record (the ClientHello) into records of
   * {@code size} bytes, each written and flushed on its own: the node must read the name across
   * records and, most likely, across reads.
   */
  private static final class HelloCuttingSocket extends Socket {
    private final int size;
    private boolean cut;

    HelloCuttingSocket(int size) {
      this.size = size;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
      OutputStream out = super.getOutputStream();
      return new java.io.FilterOutputStream(out) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          if (cut || len < 5 || b[off] != 22) {
            out.write(b, off, len);
            return;
          }
          cut = true;
          int length = ((b[off + 3] & 0xFF) << 8) | (b[off + 4] & 0xFF);
          for (int at = 0; at < length; at += size) {
            int n = Math.min(size, length - at);
            out.write(new byte[] {b[off], b[off + 1], b[off + 2], (byte) (n >> 8), (byte) n});
            out.write(b, off + 5 + at, n);
            out.flush();
          }
          out.write(b, off + 5 + length, len - 5 - length);
        }
      };
    }
  }

  private static final X509TrustManager TRUST_ALL =
      new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      };

  /**
   * A client key manager holding one certificate (or none) that counts how often the server asked
   * for a client certificate and records the CAs it named. Unlike the JDK's, it offers its
   * certificate whatever CAs the server named, so a certificate from another CA is really sent.
   */
  private static final class RecordingKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "client";
    final AtomicInteger requests = new AtomicInteger();
    final List<X500Principal> issuers = new CopyOnWriteArrayList<>();
    private final X509Certificate[] chain;
    private final PrivateKey key;

    RecordingKeyManager(TestPki.Issued client) {
      this.chain = client == null ? null : new X509Certificate[] {client.leaf()};
      this.key = client == null ? null : privateKey(client);
    }

    private static PrivateKey privateKey(TestPki.Issued client) {
      String base64 =
          client
              .keyPem()
              .replace("-----BEGIN PRIVATE KEY-----", "")
              .replace("-----END PRIVATE KEY-----", "");
      try {
        return KeyFactory.getInstance(client.leaf().getPublicKey().getAlgorithm())
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(base64)));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    private String asked(Principal[] named) {
      requests.incrementAndGet();
      if (named != null) {
        for (Principal p : named) {
          issuers.add(new X500Principal(p.getName()));
        }
      }
      return chain == null ? null : ALIAS;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] named, Socket socket) {
      return asked(named);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] named, SSLEngine engine) {
      return asked(named);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return chain == null ? null : chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return key;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] named) {
      return chain == null ? null : new String[] {ALIAS};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] named) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] named, Socket socket) {
      return null;
    }
  }
}
