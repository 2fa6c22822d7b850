package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import com.google.protobuf.util.FieldMaskUtil;
import dev.concierge.controlplane.auth.Caller;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.Page;
import dev.concierge.controlplane.store.ResourceKind;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.StoreException;
import dev.concierge.controlplane.store.Stored;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The management API's create, update, delete, get and list, written once for every {@link
 * ResourceType}: name, normalise, validate (all violations at once), pre-flight, then write through
 * the store, in the name of the call's token ({@link Caller}). Store refusals come out as {@link
 * StoreException}s; {@link StoreStatus} maps them. Thread-safe.
 */
final class ResourceFlow {

  private static final int UPDATE_ATTEMPTS = 3;

  // An update replaces each masked field whole: an unset message clears it, a repeated field is
  // replaced rather than appended to (AIP-134).
  private static final FieldMaskUtil.MergeOptions REPLACE =
      new FieldMaskUtil.MergeOptions()
          .setReplaceMessageFields(true)
          .setReplaceRepeatedFields(true)
          .setReplacePrimitiveFields(true);

  private final ConfigStore store;
  private final Preflight preflight;

  ResourceFlow(ConfigStore store, Preflight preflight) {
    this.store = requireNonNull(store, "store");
    this.preflight = requireNonNull(preflight, "preflight");
  }

  /** Named from the id (or the resource's name), normalised, validated, pre-flighted, stored. */
  <T extends Message> T create(ResourceType<T> type, String id, T in, boolean validateOnly) {
    FieldViolations violations = new FieldViolations();
    String name =
        ResourceNames.forCreate(
            type.kind(),
            id,
            string(in, "name"),
            type.field() + "_id",
            type.field() + ".name",
            violations);
    T resource = type.normalize().apply(requested(type, in, name));
    type.validate().validate(resource, type.mask(), violations);
    violations.throwIfAny(type.field(), name);
    Stored<T> stored = type.seal().seal(resource, null);
    List<String> warnings = preflight.check(type.kind(), name, stored.resource());
    T created;
    if (validateOnly) {
      if (store.get(type.table(), name).isPresent()) {
        throw StoreException.alreadyExists(type.kind(), name);
      }
      created = stored.resource();
    } else {
      try {
        created = store.create(type.table(), stored, Caller.name());
      } catch (StoreException e) {
        throw missingReferences(type, resource, e);
      }
    }
    ResponseWarnings.add(warnings);
    return created;
  }

  /**
   * Masked update: the masked fields of {@code in} replace those of the stored version, the result
   * is normalised, validated, pre-flighted and written if the etag (the client's, or the one read)
   * still holds; merged again on a concurrent write when the client gave no etag.
   */
  <T extends Message> T update(ResourceType<T> type, T in, FieldMask mask, boolean validateOnly) {
    String name = string(in, "name");
    String etag = string(in, "etag");
    FieldViolations violations = new FieldViolations();
    ResourceNames.checkName(type.kind(), name, type.field() + ".name", violations);
    Set<String> paths = maskPaths(mask, type, violations);
    violations.throwIfAny(type.field(), name);
    FieldMask masked = FieldMask.newBuilder().addAllPaths(paths).build();
    // Of the attempt that succeeded: an attempt that merged again checked a different result.
    AtomicReference<List<String>> warnings = new AtomicReference<>(List.of());
    T updated =
        retryingMerge(
            etag,
            () -> {
              Stored<T> existing = found(type, name);
              String storedEtag = string(existing.resource(), "etag");
              Message.Builder merged = existing.resource().toBuilder();
              FieldMaskUtil.merge(masked, in, merged, REPLACE);
              @SuppressWarnings("unchecked") // a message's builder builds the same type
              T resource = type.normalize().apply((T) merged.build());
              FieldViolations invalid = new FieldViolations();
              type.validate().validate(resource, paths, invalid);
              invalid.throwIfAny(type.field(), name);
              Stored<T> stored = type.seal().seal(resource, existing);
              warnings.set(preflight.check(type.kind(), name, stored.resource()));
              if (validateOnly) {
                StoreException.checkEtag(type.kind(), name, etag, storedEtag);
                return stored.resource();
              }
              try {
                return store.update(
                    type.table(), stored, etag.isEmpty() ? storedEtag : etag, Caller.name());
              } catch (StoreException e) {
                throw missingReferences(type, resource, e);
              }
            });
    ResponseWarnings.add(requireNonNull(warnings.get()));
    return updated;
  }

  void delete(ResourceType<?> type, String name, String etag) {
    checkedName(type.kind(), name);
    preflight.check(type.kind(), name, null);
    store.delete(type.table(), name, etag, Caller.name());
  }

  <T extends Message> T get(ResourceType<T> type, String name) {
    checkedName(type.kind(), name);
    return found(type, name).resource();
  }

  <T extends Message> Page<T> list(ResourceType<T> type, int pageSize, String pageToken) {
    return store.list(type.table(), pageSize, pageToken);
  }

  private <T extends Message> Stored<T> found(ResourceType<T> type, String name) {
    return store
        .getStored(type.table(), name)
        .orElseThrow(() -> StoreException.notFound(type.kind(), name));
  }

  private static void checkedName(ResourceKind kind, String name) {
    FieldViolations violations = new FieldViolations();
    ResourceNames.checkName(kind, name, "name", violations);
    if (!violations.isEmpty()) {
      throw violations.toException("invalid request");
    }
  }

  /** {@code in} named {@code name}, without the fields only the server sets. */
  @SuppressWarnings("unchecked") // a message's builder builds the same type
  static <T extends Message> T requested(ResourceType<T> type, T in, String name) {
    Message.Builder b = in.toBuilder().setField(field(in, "name"), name);
    for (String serverSet : Set.of("etag", "create_time", "update_time")) {
      b.clearField(field(in, serverSet));
    }
    for (String serverSet : type.outputOnly()) {
      b.clearField(field(in, serverSet));
    }
    return (T) b.build();
  }

  /**
   * The mask's paths (all the kind allows when empty); a violation for each path it does not allow
   * and when only some of the fields replaced together are named.
   */
  private static Set<String> maskPaths(
      FieldMask mask, ResourceType<?> type, FieldViolations violations) {
    Set<String> allowed = type.mask();
    Set<String> paths = new LinkedHashSet<>();
    if (mask.getPathsCount() == 0) {
      paths.addAll(allowed);
    }
    for (String path : mask.getPathsList()) {
      if (allowed.contains(path)) {
        paths.add(path);
      } else {
        violations.add(
            "update_mask",
            "\""
                + path
                + "\" cannot be updated; allowed: "
                + String.join(", ", new TreeSet<>(allowed)));
      }
    }
    Set<String> together = type.replacedTogether();
    if (!together.isEmpty()
        && paths.stream().anyMatch(together::contains)
        && !paths.containsAll(together)) {
      violations.add(
          "update_mask", String.join(" and ", new TreeSet<>(together)) + " are replaced together");
    }
    return paths;
  }

  /**
   * Runs a read-merge-write. Without a client etag, the write is still guarded by the etag that was
   * read, and a concurrent change makes it merge again instead of overwriting that change.
   */
  private static <T> T retryingMerge(String clientEtag, Supplier<T> attempt) {
    for (int i = 1; ; i++) {
      try {
        return attempt.get();
      } catch (StoreException e) {
        if (e.reason() != StoreException.Reason.ETAG_MISMATCH
            || !clientEtag.isEmpty()
            || i == UPDATE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Names the fields that refer to the missing resources, when that is what failed. */
  private static <T extends Message> RuntimeException missingReferences(
      ResourceType<T> type, T resource, StoreException e) {
    if (e.reason() != StoreException.Reason.MISSING_REFERENCE) {
      return e;
    }
    FieldViolations violations = new FieldViolations();
    for (ResourceTable.Reference<T> reference : type.table().references()) {
      for (Map.Entry<String, String> field : reference.fields().apply(resource).entrySet()) {
        if (e.names().contains(field.getValue())) {
          violations.add(
              type.field() + "." + field.getKey(),
              reference.target().singular() + " \"" + field.getValue() + "\" does not exist");
        }
      }
    }
    return violations.toException(type.field(), string(resource, "name"));
  }

  private static String string(Message m, String name) {
    return (String) m.getField(field(m, name));
  }

  private static FieldDescriptor field(Message m, String name) {
    return requireNonNull(m.getDescriptorForType().findFieldByName(name), name);
  }
}
