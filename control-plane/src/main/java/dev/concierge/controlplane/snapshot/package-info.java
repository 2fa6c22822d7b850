/** Config path 2: one immutable ConfigSnapshot per revision, built once and shared by all nodes. */
package dev.concierge.controlplane.snapshot;
