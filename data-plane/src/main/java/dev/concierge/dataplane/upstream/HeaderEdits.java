package dev.concierge.dataplane.upstream;

import dev.concierge.api.v1.HeaderMutations;
import dev.concierge.api.v1.HeaderValue;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A route's compiled header mutations ({@link HeaderMutations}) for one direction: the names it
 * removes or sets (every header of such a name is dropped), then the set headers, then the added
 * ones, values rendered from their {@link HeaderTemplate}s. A route without mutations has none
 * ({@link #compile} gives null), so it pays nothing. Immutable and thread-safe.
 */
final class HeaderEdits {
  private final String[] dropped;
  private final String[] names;
  private final HeaderTemplate[] values;

  private HeaderEdits(String[] dropped, String[] names, HeaderTemplate[] values) {
    this.dropped = dropped;
    this.names = names;
    this.values = values;
  }

  /** The edits of {@code mutations} of the route {@code routeId}, or null when there are none. */
  static @Nullable HeaderEdits compile(HeaderMutations mutations, String routeId) {
    if (mutations.getAddCount() == 0
        && mutations.getSetCount() == 0
        && mutations.getRemoveCount() == 0) {
      return null;
    }
    Set<String> dropped = new LinkedHashSet<>();
    mutations.getRemoveList().forEach(name -> dropped.add(name.toLowerCase(Locale.ROOT)));
    List<String> names = new ArrayList<>();
    List<HeaderTemplate> values = new ArrayList<>();
    for (HeaderValue header : mutations.getSetList()) {
      dropped.add(header.getName().toLowerCase(Locale.ROOT));
      names.add(header.getName());
      values.add(HeaderTemplate.compile(header.getValue(), routeId));
    }
    for (HeaderValue header : mutations.getAddList()) {
      names.add(header.getName());
      values.add(HeaderTemplate.compile(header.getValue(), routeId));
    }
    return new HeaderEdits(
        dropped.toArray(new String[0]),
        names.toArray(new String[0]),
        values.toArray(new HeaderTemplate[0]));
  }

  /** Whether a header named {@code name} of the original block is dropped. */
  boolean drops(String name) {
    for (String d : dropped) {
      if (d.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** The set and added headers for {@code request}, into {@code sink}, after the kept ones. */
  void appendTo(Request request, RequestRewrite.HeaderSink sink) {
    for (int i = 0; i < names.length; i++) {
      sink.add(names[i], values[i].render(request));
    }
  }

  /** Applies the edits to {@code headers} (a response head not yet committed). */
  void applyTo(HttpFields.Mutable headers, Request request) {
    for (String d : dropped) {
      headers.remove(d);
    }
    for (int i = 0; i < names.length; i++) {
      headers.add(names[i], values[i].render(request));
    }
  }
}
