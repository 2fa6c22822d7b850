/** Config path, step 4: compiles a ConfigSnapshot into the immutable Runtime that request handling reads. */
package dev.concierge.dataplane.runtime;
