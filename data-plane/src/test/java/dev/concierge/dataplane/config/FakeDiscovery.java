package dev.concierge.dataplane.config;

import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.JoinRequest;
import dev.concierge.api.v1.NodeCertificate;
import dev.concierge.api.v1.NodeEnrollmentGrpc;
import dev.concierge.api.v1.RenewRequest;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scriptable control plane on loopback: signs a node's CSR when it joins with the expected join
 * token (with a CA of its own), records each call with the client certificate it came with and
 * every discovery request, and pushes what the test says.
 */
public final class FakeDiscovery implements AutoCloseable {
  public final BlockingQueue<ConfigRequest> requests = new LinkedBlockingQueue<>();

  /** Each call that reached the fake: "&lt;method&gt; &lt;client certificate subject or -&gt;". */
  public final BlockingQueue<String> calls = new LinkedBlockingQueue<>();

  private static final io.grpc.Context.Key<String> PEER = io.grpc.Context.key("peer");

  private final String joinToken;
  private final TestCa ca = new TestCa();
  private volatile StreamObserver<ConfigResponse> stream;
  private Server server;
  private int port;

  public FakeDiscovery(String joinToken) {
    this.joinToken = joinToken;
  }

  public FakeDiscovery start(int bindPort) throws IOException {
    ServerInterceptor record =
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            String peer = peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
            calls.add(call.getMethodDescriptor().getBareMethodName() + " " + peer);
            return io.grpc.Contexts.interceptCall(
                io.grpc.Context.current().withValue(PEER, peer), call, headers, next);
          }
        };
    server =
        Grpc.newServerBuilderForPort(bindPort, tls())
            .addService(ServerInterceptors.intercept(new Service(), record))
            .addService(ServerInterceptors.intercept(new Enrollment(), record))
            .build()
            .start();
    port = server.getPort();
    return this;
  }

  private static String peer(javax.net.ssl.SSLSession session) {
    try {
      return session == null
          ? "-"
          : ((java.security.cert.X509Certificate) session.getPeerCertificates()[0])
              .getSubjectX500Principal()
              .getName();
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      return "-";
    }
  }

  /** The next call, waiting up to 10 s. */
  public String nextCall() throws InterruptedException {
    String call = calls.poll(10, TimeUnit.SECONDS);
    if (call == null) {
      throw new AssertionError("no call within 10 s");
    }
    return call;
  }

  /** The CA that signed this fake's certificate, for the node's {@code controlPlaneCa}. */
  public static Path caFile() {
    return resource("ca.crt");
  }

  private ServerCredentials tls() throws IOException {
    return TlsServerCredentials.newBuilder()
        .keyManager(resource("server.crt").toFile(), resource("server.key").toFile())
        .trustManager(new java.io.ByteArrayInputStream(ca.pem()))
        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
        .build();
  }

  private static Path resource(String name) {
    try {
      return Path.of(FakeDiscovery.class.getResource("/control-plane-tls/" + name).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return port;
  }

  public String target() {
    return "127.0.0.1:" + port;
  }

  /** Pushes {@code snapshot} on the newest stream. */
  public void push(String nonce, ConfigSnapshot snapshot) {
    StreamObserver<ConfigResponse> s = stream;
    synchronized (this) {
      s.onNext(ConfigResponse.newBuilder().setNonce(nonce).setSnapshot(snapshot).build());
    }
  }

  /** The next request, waiting up to 10 s. */
  public ConfigRequest nextRequest() throws InterruptedException {
    ConfigRequest request = requests.poll(10, TimeUnit.SECONDS);
    if (request == null) {
      throw new AssertionError("no request within 10 s");
    }
    return request;
  }

  public boolean hasStream() {
    return stream != null;
  }

  @Override
  public void close() {
    stream = null;
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Enrollment extends NodeEnrollmentGrpc.NodeEnrollmentImplBase {
    @Override
    public void join(JoinRequest request, StreamObserver<NodeCertificate> out) {
      if (!request.getJoinToken().equals(joinToken)) {
        out.onError(
            Status.UNAUTHENTICATED
                .withDescription("unknown or revoked join token")
                .asRuntimeException());
        return;
      }
      out.onNext(ca.issue(request.getNodeId(), request.getCsr().toByteArray()));
      out.onCompleted();
    }

    @Override
    public void renew(RenewRequest request, StreamObserver<NodeCertificate> out) {
      String peer = PEER.get();
      if (peer == null || !peer.startsWith("CN=")) {
        out.onError(Status.UNAUTHENTICATED.asRuntimeException());
        return;
      }
      out.onNext(ca.issue(peer.substring(3), request.getCsr().toByteArray()));
      out.onCompleted();
    }
  }

  /** How long the certificates issued from now on are valid. */
  public void certificateTtl(java.time.Duration ttl) {
    ca.ttl(ttl);
  }

  private final class Service extends ConfigDiscoveryGrpc.ConfigDiscoveryImplBase {
    @Override
    public StreamObserver<ConfigRequest> streamConfig(StreamObserver<ConfigResponse> responses) {
      stream = responses;
      return new StreamObserver<>() {
        @Override
        public void onNext(ConfigRequest request) {
          requests.add(request);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }
}
