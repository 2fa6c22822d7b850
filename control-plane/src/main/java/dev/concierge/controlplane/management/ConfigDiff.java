package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.concierge.api.v1.FieldChange;
import dev.concierge.api.v1.ResourceChange;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Field-by-field differences between two versions of a resource, as the apply diff and the history
 * show them: paths like {@code endpoints[1].weight}, values as JSON. Lists are compared by index,
 * maps by key; well-known types (durations, timestamps) are compared whole.
 */
final class ConfigDiff {
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().omittingInsignificantWhitespace();

  private ConfigDiff() {}

  /**
   * The change from {@code before} to {@code after} (either null for an added or deleted resource),
   * leaving out the top-level fields in {@code skip}; null when nothing differs.
   */
  static @Nullable ResourceChange between(
      String name, @Nullable Message before, @Nullable Message after, Set<String> skip) {
    if (before == null && after == null) {
      throw new IllegalArgumentException("nothing to compare for " + name);
    }
    Message prototype = before != null ? before : requireNonNull(after, "after");
    // Secrets (a JWT policy's HS256 keys) are compared as fingerprints, never shown.
    Message shownBefore = PolicySecrets.shown(before);
    Message shownAfter = PolicySecrets.shown(after);
    Message from = shownBefore != null ? shownBefore : prototype.getDefaultInstanceForType();
    Message to = shownAfter != null ? shownAfter : prototype.getDefaultInstanceForType();
    List<FieldChange> fields = new ArrayList<>();
    compare("", from, to, skip, fields);
    ResourceChange.Action action =
        before == null
            ? ResourceChange.Action.ADDED
            : after == null ? ResourceChange.Action.DELETED : ResourceChange.Action.CHANGED;
    if (action == ResourceChange.Action.CHANGED && fields.isEmpty()) {
      return null;
    }
    return ResourceChange.newBuilder().setAction(action).setName(name).addAllFields(fields).build();
  }

  private static void compare(
      String prefix, Message before, Message after, Set<String> skip, List<FieldChange> out) {
    for (FieldDescriptor field : before.getDescriptorForType().getFields()) {
      if (prefix.isEmpty() && skip.contains(field.getName())) {
        continue;
      }
      String path = prefix + field.getName();
      if (field.isMapField()) {
        compareMaps(path, field, before, after, out);
      } else if (field.isRepeated()) {
        int n = Math.max(before.getRepeatedFieldCount(field), after.getRepeatedFieldCount(field));
        for (int i = 0; i < n; i++) {
          Object from =
              i < before.getRepeatedFieldCount(field) ? before.getRepeatedField(field, i) : null;
          Object to =
              i < after.getRepeatedFieldCount(field) ? after.getRepeatedField(field, i) : null;
          compareValues(path + "[" + i + "]", field, from, to, out);
        }
      } else if (field.hasPresence()) {
        compareValues(
            path,
            field,
            before.hasField(field) ? before.getField(field) : null,
            after.hasField(field) ? after.getField(field) : null,
            out);
      } else {
        compareValues(path, field, before.getField(field), after.getField(field), out);
      }
    }
  }

  private static void compareValues(
      String path,
      FieldDescriptor field,
      @Nullable Object before,
      @Nullable Object after,
      List<FieldChange> out) {
    if (before != null && before.equals(after)) {
      return;
    }
    if (before instanceof Message from && after instanceof Message to && !isWellKnown(field)) {
      compare(path + ".", from, to, Set.of(), out);
      return;
    }
    FieldChange.Builder change = FieldChange.newBuilder().setPath(path);
    if (before != null) {
      change.setBefore(json(before));
    }
    if (after != null) {
      change.setAfter(json(after));
    }
    if (before != null || after != null) {
      out.add(change.build());
    }
  }

  private static void compareMaps(
      String path, FieldDescriptor field, Message before, Message after, List<FieldChange> out) {
    Map<Object, Object> from = entries(before, field);
    Map<Object, Object> to = entries(after, field);
    FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
    Map<Object, Object> keys = new LinkedHashMap<>(from);
    keys.putAll(to);
    for (Object key : keys.keySet()) {
      compareValues(path + "[" + json(key) + "]", valueField, from.get(key), to.get(key), out);
    }
  }

  private static Map<Object, Object> entries(Message m, FieldDescriptor field) {
    Map<Object, Object> entries = new LinkedHashMap<>();
    for (int i = 0; i < m.getRepeatedFieldCount(field); i++) {
      Message entry = (Message) m.getRepeatedField(field, i);
      FieldDescriptor key = entry.getDescriptorForType().findFieldByName("key");
      FieldDescriptor value = entry.getDescriptorForType().findFieldByName("value");
      entries.put(entry.getField(key), entry.getField(value));
    }
    return entries;
  }

  private static boolean isWellKnown(FieldDescriptor field) {
    return field.getType() == FieldDescriptor.Type.MESSAGE
        && field.getMessageType().getFile().getPackage().equals("google.protobuf");
  }

  /** A field value as JSON: strings quoted, enums by name, messages in protobuf's JSON mapping. */
  static String json(Object value) {
    if (value instanceof Message m) {
      try {
        return JSON.print(m);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("cannot print " + m.getDescriptorForType().getName(), e);
      }
    }
    if (value instanceof EnumValueDescriptor e) {
      return new JsonPrimitive(e.getName()).toString();
    }
    if (value instanceof String s) {
      return new JsonPrimitive(s).toString();
    }
    if (value instanceof ByteString b) {
      return new JsonPrimitive(Base64.getEncoder().encodeToString(b.toByteArray())).toString();
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    throw new IllegalArgumentException("unexpected field value " + value.getClass());
  }
}
