/** Config path 2: one immutable ConfigSnapshot per revision, built once and shared by all nodes. */
@NullMarked
package dev.concierge.controlplane.snapshot;

import org.jspecify.annotations.NullMarked;
