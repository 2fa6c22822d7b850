/** Request path, per-route stage: read the whole body before going upstream (buffer) or relay it as it arrives (stream). */
package dev.concierge.dataplane.buffering;
