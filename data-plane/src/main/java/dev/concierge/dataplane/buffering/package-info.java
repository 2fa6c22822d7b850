/**
 * Request path, per-route stage: read the whole body before going upstream (buffer) or relay it as
 * it arrives (stream).
 */
@NullMarked
package dev.concierge.dataplane.buffering;

import org.jspecify.annotations.NullMarked;
