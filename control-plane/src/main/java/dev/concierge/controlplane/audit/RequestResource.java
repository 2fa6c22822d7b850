package dev.concierge.controlplane.audit;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

/**
 * The resource a management request names, found by the API's naming conventions rather than per
 * method: a {@code name} field; else a {@code <kind>_id} with its {@code <kind>} message's name or
 * {@code <kind>s/<id>}; else the {@code name} of a message field (an update's resource); else a
 * {@code revision} as {@code revisions/<n>} (a rollback's target).
 */
final class RequestResource {
  private RequestResource() {}

  /** The named resource, or "" when the request names none. */
  static String of(Object request) {
    if (!(request instanceof Message m)) {
      return "";
    }
    String name = string(m, "name");
    if (!name.isEmpty()) {
      return name;
    }
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.getName().endsWith("_id") && f.getJavaType() == FieldDescriptor.JavaType.STRING) {
        String kind = f.getName().substring(0, f.getName().length() - "_id".length());
        String nested = nestedName(m, m.getDescriptorForType().findFieldByName(kind));
        String id = (String) m.getField(f);
        if (!id.isEmpty()) {
          return plural(kind) + "/" + id;
        }
        if (!nested.isEmpty()) {
          return nested;
        }
      }
    }
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      String nested = nestedName(m, f);
      if (!nested.isEmpty()) {
        return nested;
      }
    }
    FieldDescriptor revision = m.getDescriptorForType().findFieldByName("revision");
    if (revision != null
        && !revision.isRepeated()
        && revision.getJavaType() == FieldDescriptor.JavaType.LONG
        && (Long) m.getField(revision) != 0) {
      return "revisions/" + m.getField(revision);
    }
    return "";
  }

  /** "cluster" → "clusters", "policy" → "policies". */
  private static String plural(String kind) {
    return kind.endsWith("y") ? kind.substring(0, kind.length() - 1) + "ies" : kind + "s";
  }

  private static String nestedName(
      Message m, @org.jspecify.annotations.Nullable FieldDescriptor f) {
    if (f == null
        || f.isRepeated()
        || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE
        || !m.hasField(f)) {
      return "";
    }
    return string((Message) m.getField(f), "name");
  }

  private static String string(Message m, String field) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(field);
    if (f == null || f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.STRING) {
      return "";
    }
    return (String) m.getField(f);
  }
}
