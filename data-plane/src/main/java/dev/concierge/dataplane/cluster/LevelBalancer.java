package dev.concierge.dataplane.cluster;

/** A balancer over one priority level that can also pick for the level in panic. */
interface LevelBalancer extends LoadBalancer {
  /**
   * The same picks over the same endpoints, tables and position, but ignoring health (a level in
   * panic): only endpoints already tried are stepped over, and hashing keeps its key-to-endpoint
   * mapping over all endpoints. Slow start does not thin its picks.
   */
  LoadBalancer ignoringHealth();
}
