package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.concierge.controlplane.store.ResourceKind;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What the management API needs to create and update a resource kind that holds no secret
 * (clusters, routes): how it is normalised, validated, read and written. The create and update
 * flows themselves are written once, in {@link ManagementService}; certificates, whose private key
 * is encrypted and never returned, have flows of their own.
 *
 * @param field the request field holding the resource ({@code cluster}), used in violations
 * @param mask the top-level fields an update mask may name
 * @param normalize canonical form before validation (sorted hosts, defaults)
 * @param validate adds a violation per invalid field
 * @param read the stored resource by name
 * @param create stores a new resource and returns it as stored
 * @param update stores a new version given the expected etag and returns it as stored
 */
record PlainResource<T extends Message>(
    ResourceKind kind,
    String field,
    Set<String> mask,
    UnaryOperator<T> normalize,
    BiConsumer<T, FieldViolations> validate,
    Function<String, Optional<T>> read,
    UnaryOperator<T> create,
    BiFunction<T, String, T> update) {
  PlainResource {
    requireNonNull(kind, "kind");
    requireNonNull(field, "field");
    mask = Set.copyOf(mask);
    requireNonNull(normalize, "normalize");
    requireNonNull(validate, "validate");
    requireNonNull(read, "read");
    requireNonNull(create, "create");
    requireNonNull(update, "update");
  }

  String name(T resource) {
    return (String) resource.getField(descriptor(resource, "name"));
  }

  String etag(T resource) {
    return (String) resource.getField(descriptor(resource, "etag"));
  }

  /** {@code resource} named {@code name}, without the fields only the server sets. */
  @SuppressWarnings("unchecked") // a message's builder builds the same type
  T requested(T resource, String name) {
    return (T) resource.toBuilder()
        .setField(descriptor(resource, "name"), name)
        .clearField(descriptor(resource, "etag"))
        .clearField(descriptor(resource, "create_time"))
        .clearField(descriptor(resource, "update_time"))
        .build();
  }

  private static FieldDescriptor descriptor(Message resource, String name) {
    return resource.getDescriptorForType().findFieldByName(name);
  }
}
