package dev.concierge.bench;

import com.google.protobuf.ByteString;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerKey;
import dev.concierge.dataplane.consumer.ConsumerKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ConsumerKeys#find} of a presented API key among {@code keys} keys (ten per consumer): the
 * SHA-256 of the key's 46 characters and one hash-map lookup, as key_auth does per request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ConsumerKeysBenchmark {
  @Param({"100", "100000"})
  int keys;

  private ConsumerKeys directory;
  private final String[] presented = new String[1024];
  private int next;

  @Setup
  public void setUp() throws NoSuchAlgorithmException {
    Random random = new Random(18);
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    ConfigSnapshot.Builder snapshot = ConfigSnapshot.newBuilder();
    String[] all = new String[keys];
    Consumer.Builder consumer = Consumer.newBuilder().setName("consumers/c0");
    for (int i = 0; i < keys; i++) {
      if (i > 0 && i % 10 == 0) {
        snapshot.addConsumers(consumer);
        consumer = Consumer.newBuilder().setName("consumers/c" + i);
      }
      byte[] bytes = new byte[32];
      random.nextBytes(bytes);
      all[i] = "ck_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      consumer.addKeys(
          ConsumerKey.newBuilder()
              .setSha256(
                  ByteString.copyFrom(sha256.digest(all[i].getBytes(StandardCharsets.UTF_8)))));
    }
    snapshot.addConsumers(consumer);
    directory = ConsumerKeys.of(snapshot.build());
    for (int i = 0; i < presented.length; i++) {
      presented[i] = all[random.nextInt(keys)];
    }
  }

  /** One presented key's holder. */
  @Benchmark
  public ConsumerKeys.@Nullable Holder find() {
    return directory.find(presented[next++ & (presented.length - 1)]);
  }
}
