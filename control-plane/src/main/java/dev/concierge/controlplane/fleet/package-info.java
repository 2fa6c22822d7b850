/** Config path 3: the node registry, sync status and traffic reports of the fleet. */
@NullMarked
package dev.concierge.controlplane.fleet;

import org.jspecify.annotations.NullMarked;
