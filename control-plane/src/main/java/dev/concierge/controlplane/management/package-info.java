/** Config path 1: the management API, with validation of every resource. */
package dev.concierge.controlplane.management;
