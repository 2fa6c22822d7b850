/** Request path, outermost stage: counts and times every answer; node-lifetime counters and their report. */
package dev.concierge.dataplane.stats;
