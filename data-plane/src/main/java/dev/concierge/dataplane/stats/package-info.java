/**
 * Request path, outermost stage: counts and times every answer; node-lifetime counters and their
 * report.
 */
@NullMarked
package dev.concierge.dataplane.stats;

import org.jspecify.annotations.NullMarked;
