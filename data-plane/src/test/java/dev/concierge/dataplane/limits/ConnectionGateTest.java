package dev.concierge.dataplane.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConnectionGateTest {
  private static final InetAddress A = address(127, 0, 0, 1);
  private static final InetAddress B = address(127, 0, 0, 2);

  private final ConnectionGate gate = new ConnectionGate();
  private final LimitCounters refused = new LimitCounters();

  private static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static ListenerLimits limits(int perAddress, int total) {
    return new ListenerLimits(perAddress, total, 0, 0, 0, 0);
  }

  private List<ConnectionGate.Admission> admit(InetAddress address, int count) {
    List<ConnectionGate.Admission> admitted = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ConnectionGate.Admission admission = gate.admit(address, refused);
      if (admission != null) {
        admitted.add(admission);
      }
    }
    return admitted;
  }

  @Test
  void admitsEverythingWithoutLimitsButStillCounts() {
    List<ConnectionGate.Admission> open = admit(A, 500);

    assertThat(open).hasSize(500);
    assertThat(gate.open(A)).isEqualTo(500);
    assertThat(gate.open()).isEqualTo(500);
    assertThat(refused.get(Refusal.PER_ADDRESS)).isZero();
  }

  @Test
  void refusesPastThePerAddressLimitWhileOtherAddressesGetIn() {
    gate.apply(limits(100, 0));

    List<ConnectionGate.Admission> flood = admit(A, 1000);
    List<ConnectionGate.Admission> other = admit(B, 3);

    assertThat(flood).hasSize(100);
    assertThat(other).hasSize(3);
    assertThat(refused.get(Refusal.PER_ADDRESS)).isEqualTo(900);
    assertThat(refused.get(Refusal.PER_NODE)).isZero();
    assertThat(gate.open(A)).isEqualTo(100);
  }

  @Test
  void aClosedConnectionFreesItsPlace() {
    gate.apply(limits(2, 0));
    List<ConnectionGate.Admission> open = admit(A, 2);
    assertThat(gate.admit(A, refused)).isNull();

    open.get(0).release();

    assertThat(gate.admit(A, refused)).isNotNull();
    assertThat(gate.admit(A, refused)).isNull();
  }

  @Test
  void refusesPastTheNodeLimitAndGivesBackTheAddressPlace() {
    gate.apply(limits(10, 3));
    admit(A, 2);

    assertThat(admit(B, 5)).hasSize(1);

    assertThat(refused.get(Refusal.PER_NODE)).isEqualTo(4);
    assertThat(gate.open(B)).isEqualTo(1);
    assertThat(gate.open()).isEqualTo(3);
  }

  @Test
  void aLoweredLimitClosesNothingButRefusesUntilBelowIt() {
    List<ConnectionGate.Admission> open = admit(A, 5);
    gate.apply(limits(2, 0));

    assertThat(gate.admit(A, refused)).isNull();
    open.subList(0, 3).forEach(ConnectionGate.Admission::release);
    assertThat(gate.admit(A, refused)).isNull();
    open.get(3).release();
    assertThat(gate.admit(A, refused)).isNotNull();
  }

  @Test
  void releasingTwiceCountsOnce() {
    List<ConnectionGate.Admission> open = admit(A, 2);

    open.get(0).release();
    open.get(0).release();

    assertThat(gate.open(A)).isEqualTo(1);
    assertThat(gate.open()).isEqualTo(1);
  }

  @Test
  void nothingIsLeftWhenConnectionsCloseInAnyOrder() {
    gate.apply(limits(50, 0));
    List<ConnectionGate.Admission> open = new ArrayList<>(admit(A, 50));
    open.addAll(admit(B, 20));
    Collections.shuffle(open, new Random(18));

    open.forEach(ConnectionGate.Admission::release);

    assertThat(gate.open()).isZero();
    assertThat(gate.addresses()).isZero();
    assertThat(gate.open(A)).isZero();
  }

  @Test
  void concurrentOpensAndClosesNeitherLeakNorPassTheLimit() throws Exception {
    gate.apply(limits(8, 0));
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Integer>> peaks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        peaks.add(
            pool.submit(
                () -> {
                  start.await();
                  int peak = 0;
                  for (int i = 0; i < 20_000; i++) {
                    ConnectionGate.Admission admission = gate.admit(A, refused);
                    peak = Math.max(peak, gate.open(A));
                    if (admission != null) {
                      admission.release();
                    }
                  }
                  return peak;
                }));
      }
      start.countDown();
      for (Future<Integer> peak : peaks) {
        assertThat(peak.get(30, TimeUnit.SECONDS)).isLessThanOrEqualTo(8);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(gate.open()).isZero();
    assertThat(gate.addresses()).isZero();
  }
}
