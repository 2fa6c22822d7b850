/**
 * Request path, after CORS and before rate limits: edge authentication of consumers by API key
 * (key_auth) and HTTP Basic (basic_auth), against credentials compiled once per snapshot.
 */
@NullMarked
package dev.concierge.dataplane.consumer;

import org.jspecify.annotations.NullMarked;
