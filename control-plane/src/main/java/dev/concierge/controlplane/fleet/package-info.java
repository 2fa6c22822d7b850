/** Config path 3: the node registry, sync status and traffic reports of the fleet. */
package dev.concierge.controlplane.fleet;
