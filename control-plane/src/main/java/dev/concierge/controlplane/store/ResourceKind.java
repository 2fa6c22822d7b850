package dev.concierge.controlplane.store;

/** The kinds of stored configuration resource, with their name prefix and table. */
public enum ResourceKind {
  CLUSTER("clusters/", "clusters", "cluster"),
  ROUTE("routes/", "routes", "route"),
  CERTIFICATE("certificates/", "certificates", "certificate"),
  POLICY("policies/", "policies", "policy"),
  CONSUMER("consumers/", "consumers", "consumer");

  private final String namePrefix;
  private final String table;
  private final String singular;

  ResourceKind(String namePrefix, String table, String singular) {
    this.namePrefix = namePrefix;
    this.table = table;
    this.singular = singular;
  }

  /** "clusters/" and so on. */
  public String namePrefix() {
    return namePrefix;
  }

  String table() {
    return table;
  }

  /** "cluster", "route", "certificate", "policy" or "consumer", for messages. */
  public String singular() {
    return singular;
  }

  /** "clusters", "policies" and so on, for messages. */
  public String plural() {
    return table;
  }

  /** The resource name of the given id. */
  public String name(String id) {
    return namePrefix + id;
  }
}
