package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import dev.concierge.controlplane.store.ResourceKind;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * One resource kind as the management API handles it: how it is stored, which fields an update may
 * name, how it is normalised, validated and turned into what the store keeps. {@link ResourceFlow}
 * runs the same create/update/delete/get/list over every description; {@link ResourceTypes} holds
 * them. Immutable.
 *
 * @param table how the kind is stored, with the references it holds
 * @param field the request field holding the resource ({@code cluster}), used in violations
 * @param mask the top-level fields an update mask may name; an empty mask means all of them
 * @param replacedTogether fields an update replaces all together or not at all (none when empty)
 * @param outputOnly fields besides etag and times that only the server sets, cleared on create
 * @param normalize canonical form before validation (sorted hosts, defaults)
 * @param validate adds a violation per invalid field
 * @param seal what the store keeps of a valid resource; plain kinds keep it as it is
 */
record ResourceType<T extends Message>(
    ResourceTable<T> table,
    String field,
    Set<String> mask,
    Set<String> replacedTogether,
    Set<String> outputOnly,
    UnaryOperator<T> normalize,
    Validation<T> validate,
    Sealing<T> seal) {

  ResourceType {
    requireNonNull(table, "table");
    requireNonNull(field, "field");
    mask = Set.copyOf(mask);
    replacedTogether = Set.copyOf(replacedTogether);
    outputOnly = Set.copyOf(outputOnly);
    requireNonNull(normalize, "normalize");
    requireNonNull(validate, "validate");
    requireNonNull(seal, "seal");
  }

  /** A kind that holds no secret: every field validated, stored as it is. */
  static <T extends Message> ResourceType<T> plain(
      ResourceTable<T> table,
      String field,
      Set<String> mask,
      UnaryOperator<T> normalize,
      Validation<T> validate) {
    return new ResourceType<>(
        table, field, mask, Set.of(), Set.of(), normalize, validate, (t, existing) -> Stored.of(t));
  }

  ResourceKind kind() {
    return table.kind();
  }

  /** Adds a violation per invalid field of the resource. */
  @FunctionalInterface
  interface Validation<T> {
    /**
     * Checks the resource, adding a violation per invalid field.
     *
     * @param written the fields this write sets (every mask field on create); a kind may check only
     *     those
     */
    void validate(T resource, Set<String> written, FieldViolations violations);
  }

  /** Turns a valid resource into what the store keeps. */
  @FunctionalInterface
  interface Sealing<T extends Message> {
    /**
     * Returns what the store keeps of the resource.
     *
     * @param existing the stored version on update, null on create
     */
    Stored<T> seal(T resource, @Nullable Stored<T> existing);
  }
}
