package dev.concierge.controlplane.acme;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.Node;
import dev.concierge.controlplane.fleet.NodeRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until every node connected to this control plane has ACKed a revision (the one carrying an
 * order's challenges), at most a bounded time: the ACME server then finds the answer on whichever
 * node it reaches. Nodes of other control planes on a shared database get the same revision by
 * their own control plane's poll and are not waited for. Thread-safe.
 */
public final class FleetAcks implements AcmeRenewals.RevisionWait {
  private static final Logger log = LoggerFactory.getLogger(FleetAcks.class);
  private static final long POLL_MILLIS = 20;

  private final NodeRegistry registry;
  private final Duration timeout;

  public FleetAcks(NodeRegistry registry, Duration timeout) {
    this.registry = requireNonNull(registry, "registry");
    this.timeout = requireNonNull(timeout, "timeout");
  }

  @Override
  public void await(long revision) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> behind = behind(revision);
      if (behind.isEmpty()) {
        return;
      }
      if (System.nanoTime() - deadline >= 0) {
        log.warn(
            "ACME: nodes {} have not applied revision {} within {}; asking for validation anyway",
            behind,
            revision,
            timeout);
        return;
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private List<String> behind(long revision) {
    List<String> serving = registry.servingAtLeast(revision);
    List<String> behind = new ArrayList<>();
    for (Node node : registry.list()) {
      String id = node.getName().substring(node.getName().indexOf('/') + 1);
      if (node.getConnected() && !serving.contains(id)) {
        behind.add(id);
      }
    }
    return behind;
  }
}
