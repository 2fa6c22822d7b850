/**
 * Request path, stage 2: client admission. A total deadline for the header block and for the body,
 * and the whole body read (pooled memory, then a temporary file) before an upstream connection is
 * taken, so slow clients cannot hold upstream connections.
 */
package dev.concierge.dataplane.admission;
