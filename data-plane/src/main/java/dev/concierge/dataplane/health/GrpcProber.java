package dev.concierge.dataplane.health;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import dev.concierge.dataplane.cluster.Endpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.jspecify.annotations.Nullable;

/**
 * gRPC checks: a unary {@code grpc.health.v1.Health/Check} call over h2c on the {@link
 * HttpProber}'s client, passing only when the call ends with {@code grpc-status} 0 and the answer's
 * status is SERVING. The two tiny messages are encoded by hand ({@code HealthCheckRequest{string
 * service = 1}}, {@code HealthCheckResponse{ServingStatus status = 1}}), so the node needs no
 * generated health stubs. Thread-safe.
 */
final class GrpcProber implements Prober {
  /** The method path of the standard health service. */
  static final String PATH = "/grpc.health.v1.Health/Check";

  /** {@code HealthCheckResponse.ServingStatus.SERVING}. */
  static final int SERVING = 1;

  private final HttpProber http;

  GrpcProber(HttpProber http) {
    this.http = http;
  }

  @Override
  public void probe(Endpoint endpoint, HealthCheckPolicy policy, Result done) {
    HealthCheckPolicy.GrpcCheck grpc = Objects.requireNonNull(policy.grpc(), "grpc");
    String authority =
        grpc.authority() != null ? grpc.authority() : endpoint.uriHost() + ":" + endpoint.port();
    var request = http.newRequest(endpoint, policy, authority, PATH);
    if (request == null) {
      done.ended("host not resolved");
      return;
    }
    HttpProber.BoundedBody body = new HttpProber.BoundedBody();
    request
        .method(HttpMethod.POST)
        .headers(h -> h.put(HttpHeader.TE, "trailers"))
        .body(new BytesRequestContent("application/grpc", frame(grpc.service())))
        .onResponseContent(body)
        .send(result -> done.ended(verdict(result, body.bytes())));
  }

  /** A length-prefixed, uncompressed gRPC message holding {@code HealthCheckRequest}. */
  static byte[] frame(String service) {
    int size = service.isEmpty() ? 0 : CodedOutputStream.computeStringSize(1, service);
    byte[] out = new byte[5 + size];
    ByteBuffer.wrap(out).put((byte) 0).putInt(size);
    if (size > 0) {
      CodedOutputStream coded = CodedOutputStream.newInstance(out, 5, size);
      try {
        coded.writeString(1, service);
        coded.checkNoSpaceLeft();
      } catch (IOException e) {
        throw new IllegalStateException("a sized buffer ran out", e);
      }
    }
    return out;
  }

  /** Why the call fails the check, or null when it passes. */
  static @Nullable String verdict(org.eclipse.jetty.client.Result result, byte[] body) {
    if (result.isFailed()) {
      return Prober.describe(result.getFailure());
    }
    var response = result.getResponse();
    if (response.getStatus() != 200) {
      return "HTTP status " + response.getStatus();
    }
    // grpc-status is a trailer, or a header of a trailers-only answer.
    String status = grpcStatus(response.getTrailers());
    if (status == null) {
      status = grpcStatus(response.getHeaders());
    }
    if (status == null) {
      return "no grpc-status";
    }
    if (!status.equals("0")) {
      return "grpc-status " + status;
    }
    int serving = servingStatus(body);
    return serving == SERVING ? null : "serving status " + serving;
  }

  private static @Nullable String grpcStatus(@Nullable HttpFields fields) {
    if (fields == null) {
      return null;
    }
    HttpField field = fields.getField("grpc-status");
    return field == null ? null : field.getValue().trim();
  }

  /**
   * The {@code status} of the {@code HealthCheckResponse} in {@code body} (one uncompressed
   * length-prefixed message); 0 (UNKNOWN) when absent, -1 when the body is no such message.
   */
  static int servingStatus(byte[] body) {
    if (body.length < 5 || body[0] != 0) {
      return -1;
    }
    int length = ByteBuffer.wrap(body, 1, 4).getInt();
    if (length < 0 || length > body.length - 5) {
      return -1;
    }
    try {
      CodedInputStream in = CodedInputStream.newInstance(body, 5, length);
      int status = 0;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == (1 << 3)) { // field 1, varint
          status = in.readEnum();
        } else if (!in.skipField(tag)) {
          break;
        }
      }
      return status;
    } catch (IOException e) {
      return -1;
    }
  }
}
