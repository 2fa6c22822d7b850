/** The control plane's own metrics (Prometheus), served on its HTTP port at /metrics. */
@NullMarked
package dev.concierge.controlplane.metrics;

import org.jspecify.annotations.NullMarked;
