package dev.concierge.dataplane.config;

import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
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

/** A scriptable ConfigDiscovery server on loopback: records requests, pushes what the test says. */
public final class FakeDiscovery implements AutoCloseable {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  public final BlockingQueue<ConfigRequest> requests = new LinkedBlockingQueue<>();
  public final BlockingQueue<String> authorizations = new LinkedBlockingQueue<>();
  private final String token;
  private volatile StreamObserver<ConfigResponse> stream;
  private Server server;
  private int port;

  public FakeDiscovery(String token) {
    this.token = token;
  }

  public FakeDiscovery start(int bindPort) throws IOException {
    ServerInterceptor auth =
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            String value = headers.get(AUTHORIZATION);
            authorizations.add(String.valueOf(value));
            if (!("Bearer " + token).equals(value)) {
              call.close(
                  Status.UNAUTHENTICATED.withDescription("missing or invalid bearer token"),
                  new Metadata());
              return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
          }
        };
    server =
        Grpc.newServerBuilderForPort(bindPort, tls())
            .addService(ServerInterceptors.intercept(new Service(), auth))
            .build()
            .start();
    port = server.getPort();
    return this;
  }

  /** The CA that signed this fake's certificate, for the node's {@code controlPlaneCa}. */
  public static Path caFile() {
    return resource("ca.crt");
  }

  private static ServerCredentials tls() throws IOException {
    return TlsServerCredentials.create(
        resource("server.crt").toFile(), resource("server.key").toFile());
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
