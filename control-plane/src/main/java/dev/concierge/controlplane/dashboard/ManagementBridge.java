package dev.concierge.controlplane.dashboard;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.controlplane.auth.AdminAuthInterceptor;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Answers {@code POST /api/v1/<Method>} with a protobuf-JSON body by calling that unary method of
 * the management API over an in-process channel to the same interceptors the network port runs
 * (authentication, roles, audit): the browser passes its bearer token and gets exactly what the CLI
 * would, and the audit log names that token and the browser's address. Answers protobuf JSON, or
 * {code, message} with the HTTP status of the gRPC code.
 */
public final class ManagementBridge {
  /** The largest request body taken; management requests are small. */
  public static final int MAX_BODY_BYTES = 1 << 20;

  private static final long DEADLINE_SECONDS = 30;
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer();

  private final Channel channel;
  private final Map<String, MethodDescriptor<Message, Message>> methods;

  /** Calls through {@code channel}, which must reach the intercepted management service. */
  public ManagementBridge(Channel channel) {
    this.channel = requireNonNull(channel, "channel");
    Map<String, MethodDescriptor<Message, Message>> unary = new HashMap<>();
    for (MethodDescriptor<?, ?> m : ManagementServiceGrpc.getServiceDescriptor().getMethods()) {
      String name = m.getBareMethodName();
      if (m.getType() == MethodDescriptor.MethodType.UNARY && name != null) {
        unary.put(name, messages(m));
      }
    }
    this.methods = Map.copyOf(unary);
  }

  @SuppressWarnings("unchecked") // The generated management API has protobuf messages only.
  private static MethodDescriptor<Message, Message> messages(MethodDescriptor<?, ?> m) {
    return (MethodDescriptor<Message, Message>) m;
  }

  /**
   * Calls {@code method} (a bare name such as "ListNodes") with the JSON {@code body} (empty means
   * the empty request) and the browser's Authorization header, passed on as the call's metadata
   * with the browser's address ("host:port", for the audit log: see {@link BrowserAddress}).
   */
  public HttpAnswer call(
      String method, @Nullable String authorization, String client, byte[] body) {
    MethodDescriptor<Message, Message> descriptor = methods.get(method);
    if (descriptor == null) {
      return HttpAnswer.error(404, "NOT_FOUND", "no unary management method " + method);
    }
    if (body.length > MAX_BODY_BYTES) {
      return HttpAnswer.error(
          413, "RESOURCE_EXHAUSTED", "request body over " + MAX_BODY_BYTES + " bytes");
    }
    Message.Builder request = prototype(descriptor).newBuilderForType();
    String json = new String(body, StandardCharsets.UTF_8);
    if (!json.isBlank()) {
      try {
        PARSER.merge(json, request);
      } catch (InvalidProtocolBufferException e) {
        return HttpAnswer.error(
            400, "INVALID_ARGUMENT", "not a " + method + " request: " + e.getMessage());
      }
    }
    Metadata headers = new Metadata();
    if (authorization != null) {
      headers.put(AdminAuthInterceptor.AUTHORIZATION, authorization);
    }
    headers.put(BrowserAddress.HEADER, client);
    Channel call =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    try {
      Message response =
          ClientCalls.blockingUnaryCall(
              call,
              descriptor,
              CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
              request.build());
      return HttpAnswer.json(200, PRINTER.print(response));
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      String description = status.getDescription();
      return HttpAnswer.error(
          httpStatus(status.getCode()),
          status.getCode().name(),
          description != null ? description : status.getCode().name());
    } catch (InvalidProtocolBufferException e) {
      return HttpAnswer.error(500, "INTERNAL", "cannot print the answer: " + e.getMessage());
    }
  }

  private static Message prototype(MethodDescriptor<Message, Message> descriptor) {
    if (descriptor.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
        && p.getMessagePrototype() instanceof Message m) {
      return m;
    }
    throw new IllegalStateException(descriptor.getFullMethodName() + " has no protobuf request");
  }

  /** The HTTP status of a gRPC code, as HTTP/JSON gateways map it. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      case CANCELLED -> 499;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
    };
  }
}
