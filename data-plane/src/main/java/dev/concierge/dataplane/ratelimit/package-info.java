/**
 * Request path, stage 3 (after IP access): token-bucket rate limiting, the {@code rate_limit} kind
 * of the {@code policies/{id}} resources; each policy's buckets are node-lifetime state that
 * outlives config swaps while the policy is unchanged.
 */
@NullMarked
package dev.concierge.dataplane.ratelimit;

import org.jspecify.annotations.NullMarked;
