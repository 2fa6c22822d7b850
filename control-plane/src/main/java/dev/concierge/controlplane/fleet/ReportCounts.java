package dev.concierge.controlplane.fleet;

/**
 * What the nodes' reports came to since the control plane started.
 *
 * @param received reports taken from certified nodes
 * @param lost reports that never arrived: gaps in a node process's delta sequence (a stream broke
 *     after the node handed a report to it)
 * @param rejected reports refused: without a node id, or naming a node other than the client
 *     certificate's
 */
public record ReportCounts(long received, long lost, long rejected) {}
