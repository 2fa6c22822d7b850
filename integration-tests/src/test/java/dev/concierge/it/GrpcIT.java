package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ByteBufferRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC through a node: a grpc-java client (h2c, prior knowledge) to a grpc-java server behind an
 * HTTP2 cluster. Unary and bidirectional calls stream both ways, the backend's status and trailers
 * come back, deadlines hold, and the node's own failures are gRPC statuses.
 */
class GrpcIT {
  private static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<String, String> ECHO = method("test.Echo/Echo", false);
  private static final MethodDescriptor<String, String> CHAT = method("test.Echo/Chat", true);
  private static final MethodDescriptor<String, String> FAIL = method("test.Echo/Fail", false);
  private static final MethodDescriptor<String, String> SLOW = method("test.Echo/Slow", false);
  private static final MethodDescriptor<String, String> DOWN = method("test.Down/Call", false);
  private static final MethodDescriptor<String, String> PLAIN = method("test.Plain/Call", false);
  private static final MethodDescriptor<String, String> UNROUTED =
      method("test.Nowhere/Call", false);

  @TempDir Path dataDir;
  private Server backend;
  private Fleet fleet;
  private ManagedChannel channel;
  private int port;

  private static MethodDescriptor<String, String> method(String name, boolean bidi) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(
            bidi ? MethodDescriptor.MethodType.BIDI_STREAMING : MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(name)
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  @BeforeEach
  void setUp() throws Exception {
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder("test.Echo")
            .addMethod(
                ECHO,
                ServerCalls.asyncUnaryCall(
                    (String request, StreamObserver<String> out) -> {
                      out.onNext("echo:" + request);
                      out.onCompleted();
                    }))
            .addMethod(
                CHAT,
                ServerCalls.asyncBidiStreamingCall(
                    (StreamObserver<String> out) -> {
                      out.onNext("hello"); // before any client message: server-initiated
                      return new StreamObserver<String>() {
                        @Override
                        public void onNext(String value) {
                          out.onNext("echo:" + value);
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {
                          out.onCompleted();
                        }
                      };
                    }))
            .addMethod(
                FAIL,
                ServerCalls.asyncUnaryCall(
                    (String request, StreamObserver<String> out) ->
                        out.onError(
                            Status.NOT_FOUND
                                .withDescription("no such thing: " + request)
                                .asRuntimeException())))
            .addMethod(
                SLOW,
                ServerCalls.asyncUnaryCall((String request, StreamObserver<String> out) -> {}))
            .build();
    backend =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(echo)
            .build()
            .start();
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    fleet = Fleet.start(dataDir, 1);
    createHttp2Cluster("grpc", backend.getPort());
    createHttp2Cluster("down", closedPort);
    fleet.createRoute("echo", "/test.Echo/", "grpc");
    fleet.createRoute("down", "/test.Down/", "down");
    fleet.createCluster("plain", backend.getPort()); // HTTP/1.1, which cannot carry trailers
    fleet.createRoute("plain", "/test.Plain/", "plain");
    fleet.awaitSynced();
    port = fleet.nodes().get(0).httpPort();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private void createHttp2Cluster(String id, int endpointPort) {
    fleet
        .api()
        .createCluster(
            CreateClusterRequest.newBuilder()
                .setClusterId(id)
                .setCluster(
                    Cluster.newBuilder()
                        .setProtocol(Cluster.Protocol.HTTP2)
                        .addEndpoints(
                            Endpoint.newBuilder().setHost("127.0.0.1").setPort(endpointPort)))
                .build());
  }

  @AfterEach
  void tearDown() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    fleet.close();
    backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private String call(MethodDescriptor<String, String> method, String request) {
    return ClientCalls.blockingUnaryCall(
        channel, method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
  }

  @Test
  void unaryCallGoesThroughTheNode() {
    assertThat(call(ECHO, "ping")).isEqualTo("echo:ping");
    assertThat(call(ECHO, "x".repeat(100_000))).hasSize(100_005);
  }

  @Test
  void bidirectionalCallStreamsEachMessageBothWays() throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<String> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(CHAT, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
            new StreamObserver<String>() {
              @Override
              public void onNext(String value) {
                received.add(value);
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });

    assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("hello");
    // Each answer arrives before the next message is sent: nothing waits for the end of the call.
    for (String message : new String[] {"one", "two", "three"}) {
      requests.onNext(message);
      assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:" + message);
    }
    requests.onCompleted();
    done.get(10, TimeUnit.SECONDS);
  }

  @Test
  void relaysTheBackendsStatusAndMessage() {
    assertThatThrownBy(() -> call(FAIL, "thing"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).isEqualTo("no such thing: thing");
            });
  }

  @Test
  void clientDeadlineEndsTheCall() {
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    SLOW,
                    CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS),
                    "wait"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void nodeHonoursGrpcTimeoutWithDeadlineExceeded() throws Exception {
    // A raw h2 client that sends grpc-timeout but keeps no deadline of its own: the answer is the
    // node's.
    org.eclipse.jetty.client.HttpClient h2 =
        new org.eclipse.jetty.client.HttpClient(
            new HttpClientTransportOverHTTP2(new HTTP2Client()));
    h2.start();
    try {
      byte[] message = "wait".getBytes(StandardCharsets.UTF_8);
      ByteBuffer frame = ByteBuffer.allocate(5 + message.length);
      frame.put((byte) 0).putInt(message.length).put(message).flip();
      long start = System.nanoTime();
      ContentResponse response =
          h2.newRequest("127.0.0.1", port)
              .method("POST")
              .path("/test.Echo/Slow")
              .headers(h -> h.put("te", "trailers").put("grpc-timeout", "300m"))
              .body(new ByteBufferRequestContent("application/grpc", frame))
              .timeout(10, TimeUnit.SECONDS)
              .send();
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

      assertThat(response.getStatus()).isEqualTo(200);
      assertThat(response.getHeaders().get("grpc-status")).isEqualTo("4");
      assertThat(response.getHeaders().get("grpc-message")).startsWith("upstream timed out");
      assertThat(elapsedMillis).isBetween(250L, 5_000L);
    } finally {
      h2.stop();
    }
  }

  @Test
  void nodeAnswersUnavailableWhenTheBackendIsDown() {
    assertThatThrownBy(() -> call(DOWN, "hello"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).startsWith("upstream connection refused");
            });
  }

  @Test
  void nodeAnswersInternalForACallRoutedToAnHttp1Cluster() {
    assertThatThrownBy(() -> call(PLAIN, "hello"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription())
                  .startsWith(
                      "route's cluster speaks HTTP/1.1; gRPC needs a cluster with protocol HTTP2");
            });
  }

  @Test
  void nodeAnswersUnimplementedWithoutARoute() {
    assertThatThrownBy(() -> call(UNROUTED, "hello"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
              // The ids of the plain-text answers, in the message a gRPC client shows.
              assertThat(e.getStatus().getDescription())
                  .matches("no route \\(request-id \\S+, trace-id [0-9a-f]{32}\\)");
            });
  }
}
