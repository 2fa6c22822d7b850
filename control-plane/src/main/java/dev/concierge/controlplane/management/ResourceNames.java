package dev.concierge.controlplane.management;

import dev.concierge.controlplane.store.ResourceKind;
import java.util.regex.Pattern;

/**
 * Resource ids and names: "clusters/{id}" with ids of 1-63 of [a-z0-9-], starting with a letter.
 */
final class ResourceNames {
  static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,62}");
  static final String ID_RULE = "must be 1-63 of [a-z0-9-], starting with a letter";

  private ResourceNames() {}

  /** Whether the name is the kind's prefix followed by a valid id. */
  static boolean isValid(ResourceKind kind, String name) {
    return name.startsWith(kind.namePrefix())
        && ID.matcher(name.substring(kind.namePrefix().length())).matches();
  }

  /**
   * The name of a resource to create: from the id field when set (it wins over the resource's
   * name), else from the resource's name. Records a violation when neither gives a valid name.
   */
  static String forCreate(
      ResourceKind kind,
      String id,
      String name,
      String idField,
      String nameField,
      FieldViolations violations) {
    if (!id.isEmpty()) {
      if (!ID.matcher(id).matches()) {
        violations.add(idField, "\"" + id + "\" " + ID_RULE);
      }
      return kind.name(id);
    }
    if (name.isEmpty()) {
      violations.add(idField, "an id is required: set " + idField + " or " + nameField);
      return "";
    }
    checkName(kind, name, nameField, violations);
    return name;
  }

  /** Records a violation unless the name is valid for the kind. */
  static void checkName(ResourceKind kind, String name, String field, FieldViolations violations) {
    if (name.isEmpty()) {
      violations.add(field, "a name (\"" + kind.namePrefix() + "{id}\") is required");
    } else if (!isValid(kind, name)) {
      violations.add(
          field,
          "\"" + name + "\" must be \"" + kind.namePrefix() + "{id}\" where the id " + ID_RULE);
    }
  }
}
