/**
 * Config path, step 3 on the node: discovery stream to the control plane and the last-good snapshot
 * on disk.
 */
@NullMarked
package dev.concierge.dataplane.config;

import org.jspecify.annotations.NullMarked;
