/** Config path, step 3 on the node: discovery stream to the control plane and the last-good snapshot on disk. */
package dev.concierge.dataplane.config;
