/**
 * Management path, around authentication: the audit log of changes and refusals, and its retention.
 */
@NullMarked
package dev.concierge.controlplane.audit;

import org.jspecify.annotations.NullMarked;
