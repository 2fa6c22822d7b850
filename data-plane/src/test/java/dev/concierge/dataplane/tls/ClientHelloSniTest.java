package dev.concierge.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

class ClientHelloSniTest {

  /** The first flight of a real JDK client naming {@code host} (null: no SNI). */
  private static byte[] jdkHello(String host) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, null, null);
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    if (host != null) {
      parameters.setServerNames(java.util.List.of(new SNIHostName(host)));
    }
    engine.setSSLParameters(parameters);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    return bytes;
  }

  private static ClientHelloSni.Result parse(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    ClientHelloSni.Result result = ClientHelloSni.parse(buffer);
    assertThat(buffer.position()).isZero(); // peeked, not consumed
    return result;
  }

  /** The hello's handshake message re-cut into records of at most {@code size} bytes. */
  private static byte[] fragmented(byte[] oneRecord, int size) {
    byte[] message = Arrays.copyOfRange(oneRecord, 5, oneRecord.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int at = 0; at < message.length; at += size) {
      int n = Math.min(size, message.length - at);
      out.write(22);
      out.write(3);
      out.write(1);
      out.write(n >> 8);
      out.write(n & 0xFF);
      out.write(message, at, n);
    }
    return out.toByteArray();
  }

  /** A minimal ClientHello record whose extensions block is {@code extensions}. */
  private static byte[] hello(byte[] extensions) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(3);
    body.write(3);
    body.writeBytes(new byte[32]);
    body.write(0); // session id
    body.writeBytes(new byte[] {0, 2, 0x13, 0x01}); // one suite
    body.writeBytes(new byte[] {1, 0}); // null compression
    if (extensions != null) {
      body.write(extensions.length >> 8);
      body.write(extensions.length & 0xFF);
      body.writeBytes(extensions);
    }
    int length = body.size();
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.writeBytes(new byte[] {22, 3, 1, (byte) ((length + 4) >> 8), (byte) (length + 4)});
    record.writeBytes(new byte[] {1, 0, (byte) (length >> 8), (byte) length});
    record.writeBytes(body.toByteArray());
    return record.toByteArray();
  }

  private static byte[] serverName(String host) {
    byte[] name = host.getBytes(StandardCharsets.ISO_8859_1);
    int list = 3 + name.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 0, (byte) ((list + 2) >> 8), (byte) (list + 2)});
    out.writeBytes(new byte[] {(byte) (list >> 8), (byte) list, 0});
    out.writeBytes(new byte[] {(byte) (name.length >> 8), (byte) name.length});
    out.writeBytes(name);
    return out.toByteArray();
  }

  @Test
  void readsTheHostNameOfAJdkClientHello() throws Exception {
    ClientHelloSni.Result result = parse(jdkHello("mtls.example.test"));

    assertThat(result.status()).isEqualTo(ClientHelloSni.Status.FOUND);
    assertThat(result.host()).isEqualTo("mtls.example.test");
  }

  @Test
  void aHelloWithoutServerNameHasNoSni() throws Exception {
    assertThat(parse(jdkHello(null)).status()).isEqualTo(ClientHelloSni.Status.NO_SNI);
    assertThat(parse(hello(null)).status()).isEqualTo(ClientHelloSni.Status.NO_SNI);
    assertThat(parse(hello(new byte[0])).status()).isEqualTo(ClientHelloSni.Status.NO_SNI);
  }

  @Test
  void needsMoreUntilTheWholeHelloArrivedAcrossReads() throws Exception {
    byte[] whole = jdkHello("a.example.test");
    for (int cut : new int[] {0, 1, 4, 5, 9, 60, whole.length - 1}) {
      assertThat(parse(Arrays.copyOf(whole, cut)).status())
          .as("first %d bytes", cut)
          .isEqualTo(ClientHelloSni.Status.NEED_MORE);
    }
    assertThat(parse(whole).host()).isEqualTo("a.example.test");
  }

  @Test
  void readsAHelloCutIntoSeveralRecords() throws Exception {
    byte[] cut = fragmented(jdkHello("frag.example.test"), 50);
    assertThat(parse(Arrays.copyOf(cut, cut.length - 3)).status())
        .isEqualTo(ClientHelloSni.Status.NEED_MORE);

    assertThat(parse(cut).host()).isEqualTo("frag.example.test");
    // Bytes after the hello (none should come, but they may) are left alone.
    byte[] more = Arrays.copyOf(cut, cut.length + 7);
    assertThat(parse(more).host()).isEqualTo("frag.example.test");
  }

  @Test
  void refusesWhatIsNotAClientHello() throws Exception {
    byte[] good = hello(serverName("x.test"));
    assertThat(parse(good).host()).isEqualTo("x.test");

    assertThat(parse("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).status())
        .isEqualTo(ClientHelloSni.Status.MALFORMED);
    byte[] serverHello = good.clone();
    serverHello[5] = 2;
    assertThat(parse(serverHello).status()).isEqualTo(ClientHelloSni.Status.MALFORMED);
    byte[] emptyRecord = {22, 3, 1, 0, 0};
    assertThat(parse(emptyRecord).status()).isEqualTo(ClientHelloSni.Status.MALFORMED);
    // The extensions block claims more than the message holds.
    byte[] overlong = good.clone();
    overlong[5 + 4 + 2 + 32 + 1 + 4 + 2 + 1] = (byte) (overlong[51] + 1);
    assertThat(parse(overlong).status()).isEqualTo(ClientHelloSni.Status.MALFORMED);
    // A server name with a control character, and an empty server name list.
    assertThat(parse(hello(serverName("bad\nname"))).status())
        .isEqualTo(ClientHelloSni.Status.MALFORMED);
    assertThat(parse(hello(new byte[] {0, 0, 0, 2, 0, 0})).status())
        .isEqualTo(ClientHelloSni.Status.MALFORMED);
    // A truncated handshake message that claims to be complete.
    byte[] truncated = hello(serverName("x.test"));
    truncated[4] = (byte) (truncated[4] - 3);
    truncated[8] = (byte) (truncated[8] - 3);
    assertThat(parse(Arrays.copyOf(truncated, truncated.length - 3)).status())
        .isEqualTo(ClientHelloSni.Status.MALFORMED);
  }

  @Test
  void refusesAHelloLargerThanTheBound() throws Exception {
    // A handshake header announcing 64 KiB: too large at once.
    byte[] huge = {22, 3, 1, 0, 4, 1, 1, 0, 0};
    assertThat(parse(huge).status()).isEqualTo(ClientHelloSni.Status.TOO_LARGE);
    // A hello that fits the message bound but comes in tiny records: the record bound stops it.
    byte[] extensions = new byte[4 + 0x3FF0 - 200];
    extensions[0] = 0;
    extensions[1] = 21; // padding
    extensions[2] = (byte) ((extensions.length - 4) >> 8);
    extensions[3] = (byte) (extensions.length - 4);
    byte[] big = hello(extensions);
    assertThat(parse(big).status()).isEqualTo(ClientHelloSni.Status.NO_SNI);
    assertThat(parse(fragmented(big, 16)).status()).isEqualTo(ClientHelloSni.Status.TOO_LARGE);
  }
}
