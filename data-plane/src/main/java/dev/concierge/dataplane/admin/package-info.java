/** Admin port: readiness, applied configuration and traffic counters for operators. */
package dev.concierge.dataplane.admin;
