/** Admin port: readiness, applied configuration and traffic counters for operators. */
@NullMarked
package dev.concierge.dataplane.admin;

import org.jspecify.annotations.NullMarked;
