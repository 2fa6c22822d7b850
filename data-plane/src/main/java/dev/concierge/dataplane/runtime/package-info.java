/**
 * Config path, step 4: compiles a ConfigSnapshot into the immutable Runtime that request handling
 * reads.
 */
@NullMarked
package dev.concierge.dataplane.runtime;

import org.jspecify.annotations.NullMarked;
