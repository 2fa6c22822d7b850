package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.ListRevisionsResponse;
import dev.concierge.api.v1.ResourceChange;
import dev.concierge.api.v1.Revision;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.HistoryEntry;
import dev.concierge.controlplane.store.Page;
import dev.concierge.controlplane.store.ResourceKind;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.RevisionEntry;
import dev.concierge.controlplane.store.StoreException;
import dev.concierge.controlplane.store.Stored;
import dev.concierge.controlplane.store.StoredConfig;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The read side of config as code: the config at any revision in the form Apply takes, the list of
 * revisions with a one-line summary each, and one revision's diff. Thread-safe.
 */
final class RevisionHistory {
  /** Revisions with more changes than this are summarised by counts. */
  private static final int NAMED_IN_SUMMARY = 8;

  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private final ConfigStore store;
  private final Set<String> certificateSkip;
  private final Set<String> certificateOutputOnly;

  RevisionHistory(ConfigStore store, Set<String> certificateOutputOnly) {
    this.store = requireNonNull(store, "store");
    this.certificateOutputOnly = Set.copyOf(certificateOutputOnly);
    Set<String> skip = new HashSet<>(certificateOutputOnly);
    skip.addAll(ConfigApply.NOT_DIFFED);
    skip.add("private_key");
    this.certificateSkip = Set.copyOf(skip);
  }

  /** The config at a revision (0: the newest), without output-only fields and keys. */
  Config export(long revision) {
    StoredConfig config;
    if (revision == 0) {
      config = store.readConfig();
    } else {
      long newest = store.revision();
      if (revision < 0 || revision > newest) {
        throw new FieldViolations()
            .add(
                "revision",
                "revision " + revision + " does not exist: revisions run from 1 to " + newest)
            .toException("invalid request");
      }
      config = store.configAt(revision);
    }
    Config.Builder out = Config.newBuilder().setRevision(config.revision());
    config.clusters().forEach(c -> out.addClusters(ConfigApply.strip(c)));
    config.routes().forEach(r -> out.addRoutes(ConfigApply.strip(r)));
    config.policies().forEach(p -> out.addPolicies(PolicySecrets.redact(ConfigApply.strip(p))));
    for (Stored<Certificate> stored : config.certificates()) {
      Certificate.Builder c = ConfigApply.strip(stored.resource()).toBuilder().clearPrivateKey();
      for (String field : certificateOutputOnly) {
        c.clearField(requireNonNull(Certificate.getDescriptor().findFieldByName(field), field));
      }
      out.addCertificates(c);
    }
    return out.build();
  }

  /** Newest first; the page token is the last revision of the previous page. */
  ListRevisionsResponse list(int pageSize, String pageToken) {
    int size = Page.size(pageSize);
    long before = pageToken.isEmpty() ? 0 : revisionOf(pageToken);
    List<RevisionEntry> entries = store.revisions(before, size + 1);
    ListRevisionsResponse.Builder out = ListRevisionsResponse.newBuilder();
    for (int i = 0; i < Math.min(size, entries.size()); i++) {
      out.addRevisions(head(entries.get(i)));
    }
    if (entries.size() > size) {
      out.setNextPageToken(Long.toString(entries.get(size - 1).revision()));
    }
    return out.build();
  }

  /** The revision a page token names: the last of the previous page. */
  private static long revisionOf(String pageToken) {
    try {
      long revision = Long.parseLong(pageToken);
      if (revision > 0) {
        return revision;
      }
    } catch (NumberFormatException e) {
      // Falls through to the refusal: not a token ListRevisions issued.
    }
    throw new StoreException(
        StoreException.Reason.INVALID_PAGE_TOKEN,
        "page_token \"" + pageToken + "\" was not issued by ListRevisions");
  }

  /** One revision with its diff. */
  Revision get(long revision) {
    RevisionEntry entry =
        store
            .revision(revision)
            .orElseThrow(
                () ->
                    new StoreException(
                        StoreException.Reason.NOT_FOUND,
                        "revision "
                            + revision
                            + " not found (newest is "
                            + store.revision()
                            + ")"));
    Revision.Builder out = head(entry).toBuilder();
    for (HistoryEntry change : entry.changes()) {
      Message prototype = prototype(change.kind());
      Set<String> skip =
          change.kind() == ResourceKind.CERTIFICATE ? certificateSkip : ConfigApply.NOT_DIFFED;
      ResourceChange diff =
          ConfigDiff.between(
              change.name(),
              parse(change.beforeJson(), prototype),
              parse(change.afterJson(), prototype),
              skip);
      out.addChanges(
          diff != null
              ? diff
              : ResourceChange.newBuilder()
                  .setName(change.name())
                  .setAction(ResourceChange.Action.CHANGED)
                  .build());
    }
    return out.build();
  }

  private static Revision head(RevisionEntry entry) {
    return Revision.newBuilder()
        .setRevision(entry.revision())
        .setCreateTime(ProtoTime.timestamp(entry.time()))
        .setActor(entry.actor())
        .setSummary(summary(entry.changes()))
        .build();
  }

  /** "+routes/api ~clusters/web -clusters/old", or counts: "+1000 routes, ~1 cluster". */
  static String summary(List<HistoryEntry> changes) {
    StringBuilder out = new StringBuilder();
    if (changes.size() <= NAMED_IN_SUMMARY) {
      for (HistoryEntry change : changes) {
        if (out.length() > 0) {
          out.append(' ');
        }
        out.append(sign(change.action())).append(change.name());
      }
      return out.toString();
    }
    Map<HistoryEntry.Action, Map<ResourceKind, Integer>> counts =
        new EnumMap<>(HistoryEntry.Action.class);
    for (HistoryEntry change : changes) {
      counts
          .computeIfAbsent(change.action(), a -> new TreeMap<>())
          .merge(change.kind(), 1, Integer::sum);
    }
    for (Map.Entry<HistoryEntry.Action, Map<ResourceKind, Integer>> action : counts.entrySet()) {
      for (Map.Entry<ResourceKind, Integer> kind : action.getValue().entrySet()) {
        if (out.length() > 0) {
          out.append(", ");
        }
        int n = kind.getValue();
        out.append(sign(action.getKey()))
            .append(n)
            .append(' ')
            .append(n == 1 ? kind.getKey().singular() : kind.getKey().plural());
      }
    }
    return out.toString();
  }

  private static char sign(HistoryEntry.Action action) {
    return switch (action) {
      case CREATE -> '+';
      case UPDATE -> '~';
      case DELETE -> '-';
    };
  }

  private static Message prototype(ResourceKind kind) {
    return ResourceTable.of(kind).prototype();
  }

  private static @Nullable Message parse(@Nullable String json, Message prototype) {
    if (json == null) {
      return null;
    }
    Message.Builder b = prototype.newBuilderForType();
    try {
      PARSER.merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "history of " + prototype.getDescriptorForType().getFullName() + " is corrupt", e);
    }
    return b.build();
  }
}
