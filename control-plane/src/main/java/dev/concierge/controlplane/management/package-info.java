/** Config path 1: the management API, with validation of every resource. */
@NullMarked
package dev.concierge.controlplane.management;

import org.jspecify.annotations.NullMarked;
