package dev.concierge.cli;

import com.google.common.net.HostAndPort;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * A TLS gRPC connection to the control plane's ManagementService for one CLI invocation, trusting
 * the CA of the settings (or the JVM's default trust store). Every call carries the admin token and
 * a deadline, and a failed call becomes a {@link CommandFailure} with one readable line. Not
 * thread-safe; close it when the command is done.
 */
final class ControlPlaneClient implements AutoCloseable {

  static final long DEADLINE_SECONDS = 10;

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The control plane's warnings beside a successful answer, one header each. */
  private static final Metadata.Key<String> WARNING =
      Metadata.Key.of("concierge-warning", Metadata.ASCII_STRING_MARSHALLER);

  private final String target;
  private final ManagedChannel channel;
  private final ManagementServiceBlockingStub stub;
  private final Consumer<String> warnings;

  private ControlPlaneClient(
      String target,
      ManagedChannel channel,
      ManagementServiceBlockingStub stub,
      Consumer<String> warnings) {
    this.target = target;
    this.channel = channel;
    this.stub = stub;
    this.warnings = warnings;
  }

  /**
   * Opens a channel to {@code settings.server()}; a malformed address is a CommandFailure.
   *
   * @param warnings takes each warning the control plane gives beside a successful answer
   */
  static ControlPlaneClient connect(ClientSettings settings, Consumer<String> warnings) {
    HostAndPort hp;
    try {
      hp = Endpoints.hostPort(settings.server());
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(
          "invalid control plane address: "
              + e.getMessage()
              + " (set --server, CONCIERGE_SERVER or ~/.concierge/config)");
    }
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(hp.getHost(), hp.getPort(), tls(settings.ca()))
            .userAgent("concierge-cli/" + VersionCommand.version())
            .build();
    ManagementServiceBlockingStub stub = ManagementServiceGrpc.newBlockingStub(channel);
    if (!settings.token().isEmpty()) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + settings.token());
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return new ControlPlaneClient(hp.toString(), channel, stub, warnings);
  }

  private static ChannelCredentials tls(String caPem) {
    if (caPem.isEmpty()) {
      return TlsChannelCredentials.create();
    }
    try {
      return TlsChannelCredentials.newBuilder()
          .trustManager(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))
          .build();
    } catch (IOException | IllegalArgumentException e) {
      throw new CommandFailure("the CA certificate is not usable PEM: " + e.getMessage(), e);
    }
  }

  /**
   * Runs one RPC with a fresh deadline, turning gRPC errors into a CommandFailure and passing on
   * the answer's warnings.
   */
  <T> T call(Function<ManagementServiceBlockingStub, T> rpc) {
    AtomicReference<@Nullable Metadata> headers = new AtomicReference<>();
    AtomicReference<@Nullable Metadata> trailers = new AtomicReference<>();
    T answer;
    try {
      answer =
          rpc.apply(
              stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                  .withInterceptors(
                      MetadataUtils.newCaptureMetadataInterceptor(headers, trailers)));
    } catch (StatusRuntimeException e) {
      throw new CommandFailure(describe(e, target), e);
    }
    Metadata received = headers.get();
    Iterable<String> given = received == null ? null : received.getAll(WARNING);
    if (given != null) {
      given.forEach(warnings);
    }
    return answer;
  }

  /** The address this client talks to, as {@code host:port}. */
  String target() {
    return target;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The user's line for a failed call. Server-side descriptions already name the resource and the
   * fields; a BadRequest detail adds any field the description does not mention.
   *
   * @param target the control plane address, or null when unknown
   */
  static String describe(StatusRuntimeException e, @Nullable String target) {
    Status status = e.getStatus();
    String where = target == null ? "the control plane" : "the control plane at " + target;
    String description = status.getDescription() == null ? "" : status.getDescription().strip();
    if (notGrpc(e)) {
      return (target == null ? "the server" : target)
          + " is not a Concierge control plane (it does not answer gRPC over TLS; check --server)";
    }
    String tls = tlsProblem(e);
    if (tls != null) {
      return tls.replace("%s", target == null ? "the control plane" : target);
    }
    return switch (status.getCode()) {
      case UNAVAILABLE -> "cannot reach " + where + " (" + unavailableReason(e) + ")";
      case DEADLINE_EXCEEDED -> where + " did not answer within " + DEADLINE_SECONDS + "s";
      case UNAUTHENTICATED ->
          "the control plane rejected the token"
              + " (set --token, CONCIERGE_TOKEN or ~/.concierge/config)";
      case PERMISSION_DENIED ->
          "permission denied" + (description.isEmpty() ? "" : ": " + description);
      case INVALID_ARGUMENT ->
          withViolations(e, description.isEmpty() ? "invalid argument" : description);
      case NOT_FOUND, ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION, OUT_OF_RANGE ->
          description.isEmpty()
              ? status.getCode().toString().toLowerCase(Locale.ROOT).replace('_', ' ')
              : description;
      case UNIMPLEMENTED -> where + " does not support this call (is it an older version?)";
      default ->
          "the control plane failed: "
              + status.getCode()
              + (description.isEmpty() ? "" : ": " + description);
    };
  }

  private static String withViolations(StatusRuntimeException e, String description) {
    com.google.rpc.Status rich = StatusProto.fromThrowable(e);
    if (rich == null) {
      return description;
    }
    List<String> missing = new ArrayList<>();
    for (com.google.protobuf.Any detail : rich.getDetailsList()) {
      if (!detail.is(BadRequest.class)) {
        continue;
      }
      try {
        for (BadRequest.FieldViolation v :
            detail.unpack(BadRequest.class).getFieldViolationsList()) {
          if (!description.contains(v.getField())) {
            missing.add(v.getField() + ": " + v.getDescription());
          }
        }
      } catch (InvalidProtocolBufferException ignored) {
        // A detail we cannot read adds nothing to the description we already have.
      }
    }
    return missing.isEmpty() ? description : description + ": " + String.join("; ", missing);
  }

  /**
   * Whether the peer answered, but not in HTTP/2: an HTTP/1 server (a node's proxy or admin port, a
   * web server) makes the first frame something other than SETTINGS.
   */
  private static boolean notGrpc(StatusRuntimeException e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (t.getClass().getSimpleName().equals("Http2Exception")
          || (m != null && m.contains("First received frame was not SETTINGS"))) {
        return true;
      }
    }
    String d = e.getStatus().getDescription();
    return e.getStatus().getCode() == Status.Code.INTERNAL
        && d != null
        && d.strip().equalsIgnoreCase("http2 exception");
  }

  /**
   * A line for a failed TLS handshake ({@code %s} stands for the target), or null: an untrusted
   * certificate, a name it does not cover, or a peer that does not speak TLS.
   */
  private static @Nullable String tlsProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof CertificateException || m.contains("PKIX path")) {
        if (m.contains("No subject alternative") || m.contains("No name matching")) {
          return "the TLS certificate of %s does not cover that address ("
              + m
              + "); use a name it covers, or restart the control plane with --advertise-address";
        }
        return "the TLS certificate of %s is not trusted: give the control plane's CA"
            + " (ca.crt in its data dir) with --ca-file, CONCIERGE_CA_FILE or ~/.concierge/config";
      }
      if (t instanceof SSLException
          && (m.contains("not an SSL/TLS record") || m.contains("Unsupported or unrecognized"))) {
        return "%s is not a Concierge control plane (it does not answer gRPC over TLS; check"
            + " --server)";
      }
    }
    return null;
  }

  private static String unavailableReason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        String m = t.getMessage();
        if (m != null && m.toLowerCase(Locale.ROOT).contains("refused")) {
          return "connection refused";
        }
        return m == null ? "cannot connect" : m.toLowerCase(Locale.ROOT);
      }
      if (t instanceof UnknownHostException) {
        return "unknown host";
      }
      if (t instanceof NoRouteToHostException) {
        return "no route to host";
      }
    }
    String d = e instanceof StatusRuntimeException sre ? sre.getStatus().getDescription() : null;
    return d == null || d.isBlank() ? "unavailable" : d;
  }
}
