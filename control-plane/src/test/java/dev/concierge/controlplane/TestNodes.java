package dev.concierge.controlplane;

import com.google.protobuf.ByteString;
import dev.concierge.api.v1.JoinRequest;
import dev.concierge.api.v1.NodeCertificate;
import dev.concierge.api.v1.NodeEnrollmentGrpc;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Joins test nodes the way a data-plane node does: own key, CSR, join token, client cert. */
public final class TestNodes {
  private TestNodes() {}

  /** A new EC P-256 key pair. */
  public static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A DER PKCS#10 request signed by the pair. */
  public static ByteString csr(KeyPair pair, String nodeId) {
    try {
      return ByteString.copyFrom(
          new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + nodeId), pair.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()))
              .getEncoded());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * TLS credentials for node {@code nodeId}: trusts the control plane's CA and presents the client
   * certificate got by joining over {@code tlsChannel} with a new join token.
   */
  public static ChannelCredentials credentials(
      ControlPlaneServer server, Channel tlsChannel, String nodeId) {
    KeyPair pair = keyPair();
    NodeCertificate cert =
        NodeEnrollmentGrpc.newBlockingStub(tlsChannel)
            .join(
                JoinRequest.newBuilder()
                    .setJoinToken(server.createJoinToken(Duration.ofHours(1), "test"))
                    .setNodeId(nodeId)
                    .setCsr(csr(pair, nodeId))
                    .build());
    return credentials(server, pair, cert.getCertificateChain());
  }

  /** TLS credentials that trust the control plane's CA and present this key and PEM chain. */
  public static ChannelCredentials credentials(
      ControlPlaneServer server, KeyPair pair, String pemChain) {
    try {
      Certificate[] chain =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pemChain.getBytes(StandardCharsets.US_ASCII)))
              .toArray(Certificate[]::new);
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = "test".toCharArray();
      store.setKeyEntry("node", pair.getPrivate(), password, chain);
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      return TlsChannelCredentials.newBuilder()
          .keyManager(keys.getKeyManagers())
          .trustManager(server.caCertificateFile().toFile())
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
