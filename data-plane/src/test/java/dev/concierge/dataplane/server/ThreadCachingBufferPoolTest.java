package dev.concierge.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.junit.jupiter.api.Test;

class ThreadCachingBufferPoolTest {
  private final AtomicInteger wrappedAcquires = new AtomicInteger();
  private final ByteBufferPool counting =
      new ByteBufferPool.Wrapper(new ArrayByteBufferPool()) {
        @Override
        public RetainableByteBuffer.Mutable acquire(int size, boolean direct) {
          wrappedAcquires.incrementAndGet();
          return super.acquire(size, direct);
        }
      };
  private final ThreadCachingBufferPool pool = new ThreadCachingBufferPool(counting);

  @Test
  void reusesABufferReleasedOnTheSameThreadClearedAndWithItsReferenceCountReset() {
    RetainableByteBuffer first = pool.acquire(1000, true);
    first.getByteBuffer().limit(10).put(0, (byte) 7);
    first.retain();
    assertThat(first.release()).isFalse();
    assertThat(first.release()).isTrue();

    RetainableByteBuffer second = pool.acquire(4096, true);

    assertThat(second).isSameAs(first);
    assertThat(second.getByteBuffer().capacity()).isGreaterThanOrEqualTo(4096);
    assertThat(second.getByteBuffer().position()).isZero();
    assertThat(second.getByteBuffer().limit()).isZero();
    assertThat(second.isRetained()).isFalse();
    assertThat(second.release()).isTrue();
    assertThat(wrappedAcquires).hasValue(1);
  }

  @Test
  void keepsSizeClassesApartAndSendsHeapAndLargeBuffersToTheWrappedPool() {
    RetainableByteBuffer small = pool.acquire(100, true);
    small.release();
    RetainableByteBuffer bigger = pool.acquire(5000, true);
    assertThat(bigger).isNotSameAs(small);
    assertThat(bigger.getByteBuffer().capacity()).isGreaterThanOrEqualTo(5000);
    bigger.release();

    pool.acquire(100, false).release();
    pool.acquire(100 * 1024, true).release();

    assertThat(wrappedAcquires).hasValue(4);
  }

  @Test
  void cachesAtMostItsBudgetPerClassAndGivesTheRestBack() {
    List<RetainableByteBuffer> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add(pool.acquire(64 * 1024, true)); // 256 KiB per class: four 64 KiB buffers
    }
    held.forEach(RetainableByteBuffer::release);
    for (int i = 0; i < 5; i++) {
      held.set(i, pool.acquire(64 * 1024, true));
    }

    assertThat(wrappedAcquires).hasValue(6);
  }

  @Test
  void keepsAtMostOneMebibytePerThreadInAllClasses() {
    List<RetainableByteBuffer> held = new ArrayList<>();
    for (int kib = 36; kib <= 64; kib += 4) { // eight classes, four buffers each: 1.6 MiB
      for (int i = 0; i < 4; i++) {
        held.add(pool.acquire(kib * 1024, true));
      }
    }
    held.forEach(RetainableByteBuffer::release);
    int before = wrappedAcquires.get();
    for (int kib = 36; kib <= 64; kib += 4) {
      for (int i = 0; i < 4; i++) {
        held.add(pool.acquire(kib * 1024, true));
      }
    }

    // Released in order: 36, 40, 44, 48 and 52 KiB four times each is 880 KiB cached; two of the
    // 56 KiB ones fit under 1 MiB (992 KiB); the other ten went back and are acquired anew.
    assertThat(wrappedAcquires.get() - before).isEqualTo(32 - 22);
  }

  @Test
  void aBufferReleasedOnAnotherThreadServesThatThread() throws Exception {
    RetainableByteBuffer buffer = pool.acquire(1000, true);
    RetainableByteBuffer[] reacquired = new RetainableByteBuffer[1];
    Thread other =
        new Thread(
            () -> {
              buffer.release();
              reacquired[0] = pool.acquire(1000, true);
            });
    other.start();
    other.join();

    assertThat(reacquired[0]).isSameAs(buffer);
    assertThat(pool.acquire(1000, true)).isNotSameAs(buffer);
  }

  @Test
  void aDoubleReleaseFailsInsteadOfCachingTheBufferTwice() {
    RetainableByteBuffer buffer = pool.acquire(1000, true);
    buffer.release();

    assertThatThrownBy(buffer::release).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aPoolThreadKeepsItsCacheInItsFieldAndASecondPoolOnItFallsBackToItsThreadLocal()
      throws Exception {
    ThreadCachingBufferPool other = new ThreadCachingBufferPool(counting);
    List<Boolean> reused = new ArrayList<>();
    InlineResumeThreadPool threads = new InlineResumeThreadPool(2, 1);
    Thread thread =
        threads.newThread(
            () -> {
              for (ThreadCachingBufferPool each : List.of(pool, other, pool, other)) {
                RetainableByteBuffer first = each.acquire(1000, true);
                first.release();
                RetainableByteBuffer second = each.acquire(1000, true);
                reused.add(second == first);
                second.release();
              }
            });
    assertThat(thread).isInstanceOf(BufferCacheThread.class);
    thread.start();
    thread.join();

    assertThat(reused).containsExactly(true, true, true, true);
    assertThat(((BufferCacheThread) thread).bufferCache).isNotNull();
    // One backing buffer per pool: each pool's cache kept its own buffer across the rounds.
    assertThat(wrappedAcquires).hasValue(2);
  }
}
