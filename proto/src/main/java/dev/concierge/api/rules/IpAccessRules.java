package dev.concierge.api.rules;

import dev.concierge.api.v1.IpAccessList;
import java.util.List;

/**
 * The rules of an IP access list: at least one of allow and deny, together at most {@value
 * #MAX_BLOCKS} CIDR blocks, each valid ({@link Cidrs#problem}); a known source. A list with many
 * bad blocks reports the first {@value #MAX_REPORTED} of each list and how many more there are.
 */
public final class IpAccessRules {
  /** Most blocks of one list, allow and deny together. */
  public static final int MAX_BLOCKS = 100_000;

  /** Most bad blocks of one list reported one by one. */
  static final int MAX_REPORTED = 20;

  private IpAccessRules() {}

  /** Tells {@code sink} every broken field of {@code list}, under {@code prefix}. */
  public static void check(IpAccessList list, String prefix, ViolationSink sink) {
    if (list.getAllowCount() == 0 && list.getDenyCount() == 0) {
      sink.add(prefix + ".allow", "give allow or deny blocks (or both)");
    }
    int blocks = list.getAllowCount() + list.getDenyCount();
    if (blocks > MAX_BLOCKS) {
      sink.add(
          prefix, "at most " + MAX_BLOCKS + " blocks in allow and deny together, not " + blocks);
    }
    blocks(list.getAllowList(), prefix + ".allow", sink);
    blocks(list.getDenyList(), prefix + ".deny", sink);
    FieldChecks.known(
        list.getSourceValue(), IpAccessList.Source.getDescriptor(), prefix + ".source", sink);
  }

  private static void blocks(List<String> cidrs, String field, ViolationSink sink) {
    int bad = 0;
    for (int i = 0; i < cidrs.size(); i++) {
      String problem = Cidrs.problem(cidrs.get(i));
      if (problem != null && ++bad <= MAX_REPORTED) {
        sink.add(field + "[" + i + "]", problem);
      }
    }
    if (bad > MAX_REPORTED) {
      sink.add(field, (bad - MAX_REPORTED) + " more blocks are not valid CIDR blocks");
    }
  }
}
