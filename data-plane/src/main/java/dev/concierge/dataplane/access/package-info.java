/**
 * Request path, stage 2 (right after routing): IP access lists, the first edge policy of the {@code
 * policies/{id}} resources; compiled once per policy and snapshot, shared by every route that names
 * it and by all routes when it is a fleet default.
 */
@NullMarked
package dev.concierge.dataplane.access;

import org.jspecify.annotations.NullMarked;
