/** Conversions between protobuf's well-known time types and java.time, written once. */
@NullMarked
package dev.concierge.api.time;

import org.jspecify.annotations.NullMarked;
