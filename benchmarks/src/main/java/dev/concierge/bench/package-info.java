/**
 * JMH benchmarks of the data plane's per-request pieces (route lookup, header rewriting), and
 * FleetBench: config propagation from a real control plane to many simulated nodes.
 */
@NullMarked
package dev.concierge.bench;

import org.jspecify.annotations.NullMarked;
