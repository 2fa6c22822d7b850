package dev.concierge.controlplane.management;

import dev.concierge.api.rules.ResourceIds;
import dev.concierge.controlplane.store.ResourceKind;

/** The names of resources in requests, by the shared {@link ResourceIds} rule. */
final class ResourceNames {
  private ResourceNames() {}

  /** Whether the name is the kind's prefix followed by a valid id. */
  static boolean isValid(ResourceKind kind, String name) {
    return ResourceIds.isName(kind.namePrefix(), name);
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
      if (!ResourceIds.isId(id)) {
        violations.add(idField, "\"" + id + "\" " + ResourceIds.RULE);
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
    String problem = ResourceIds.nameProblem(kind.namePrefix(), name);
    if (problem != null) {
      violations.add(field, problem);
    }
  }
}
