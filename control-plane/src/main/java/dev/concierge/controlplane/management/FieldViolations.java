package dev.concierge.controlplane.management;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects every bad field of a request, so that one INVALID_ARGUMENT names them all: as a
 * google.rpc.BadRequest detail, and as one readable line naming the first few. Not thread-safe.
 */
public final class FieldViolations {
  private static final int IN_DESCRIPTION = 3;

  private final List<BadRequest.FieldViolation> violations = new ArrayList<>();

  /** Records that the field (a path such as "cluster.endpoints[1].port") is bad, and why. */
  public FieldViolations add(String field, String description) {
    violations.add(
        BadRequest.FieldViolation.newBuilder().setField(field).setDescription(description).build());
    return this;
  }

  public boolean isEmpty() {
    return violations.isEmpty();
  }

  /** The violations so far, in the order found. */
  public List<BadRequest.FieldViolation> list() {
    return List.copyOf(violations);
  }

  /** Throws INVALID_ARGUMENT if any violation was recorded. */
  public void throwIfAny(String kind, String name) {
    if (!violations.isEmpty()) {
      throw toException(kind, name);
    }
  }

  /** INVALID_ARGUMENT: `invalid route "routes/bad": field: why; field: why (and 2 more)`. */
  public StatusRuntimeException toException(String kind, String name) {
    String subject =
        name == null || name.isEmpty()
            ? "invalid " + kind
            : "invalid " + kind + " \"" + name + "\"";
    return toException(subject);
  }

  /** INVALID_ARGUMENT whose description starts with the subject, e.g. "invalid request". */
  public StatusRuntimeException toException(String subject) {
    StringBuilder message = new StringBuilder(subject).append(": ");
    for (int i = 0; i < Math.min(IN_DESCRIPTION, violations.size()); i++) {
      if (i > 0) {
        message.append("; ");
      }
      message
          .append(violations.get(i).getField())
          .append(": ")
          .append(violations.get(i).getDescription());
    }
    if (violations.size() > IN_DESCRIPTION) {
      message.append(" (and ").append(violations.size() - IN_DESCRIPTION).append(" more)");
    }
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT_VALUE)
            .setMessage(message.toString().replace('\n', ' '))
            .addDetails(Any.pack(BadRequest.newBuilder().addAllFieldViolations(violations).build()))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }
}
