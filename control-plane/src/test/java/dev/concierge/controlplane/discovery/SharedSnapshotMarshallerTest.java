package dev.concierge.controlplane.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Route;
import io.grpc.Drainable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class SharedSnapshotMarshallerTest {
  private static ConfigSnapshot snapshot(long revision) {
    ConfigSnapshot.Builder b = ConfigSnapshot.newBuilder().setRevision(revision);
    for (int i = 0; i < 50; i++) {
      b.addClusters(Cluster.newBuilder().setName("clusters/c" + i));
      b.addRoutes(Route.newBuilder().setName("routes/r" + i).setDescription("route " + i));
    }
    return b.build();
  }

  private static byte[] drained(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ((Drainable) in).drainTo(out);
    return out.toByteArray();
  }

  @Test
  void writesExactlyWhatProtobufWritesAndEncodesEachSnapshotOnce() throws IOException {
    SharedSnapshotMarshaller marshaller = new SharedSnapshotMarshaller();
    ConfigSnapshot seven = snapshot(7);
    for (int stream = 0; stream < 100; stream++) {
      ConfigResponse response =
          ConfigResponse.newBuilder().setNonce("n-" + stream).setSnapshot(seven).build();
      InputStream in = marshaller.stream(response);
      assertThat(in.available()).isEqualTo(response.getSerializedSize());
      assertThat(drained(in)).isEqualTo(response.toByteArray());
    }
    assertThat(marshaller.encodings()).isEqualTo(1);

    ConfigResponse eight =
        ConfigResponse.newBuilder().setNonce("x").setSnapshot(snapshot(8)).build();
    assertThat(marshaller.stream(eight).readAllBytes()).isEqualTo(eight.toByteArray());
    assertThat(marshaller.parse(marshaller.stream(eight))).isEqualTo(eight);
    assertThat(marshaller.encodings()).isEqualTo(2);
  }

  @Test
  void readsInPiecesAcrossTheSeam() throws IOException {
    SharedSnapshotMarshaller marshaller = new SharedSnapshotMarshaller();
    ConfigResponse response =
        ConfigResponse.newBuilder().setNonce("abc").setSnapshot(snapshot(3)).build();
    InputStream in = marshaller.stream(response);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(in.read());
    byte[] buffer = new byte[7];
    int n;
    while ((n = in.read(buffer, 0, buffer.length)) > 0) {
      out.write(buffer, 0, n);
    }
    assertThat(in.read()).isEqualTo(-1);
    assertThat(out.toByteArray()).isEqualTo(response.toByteArray());

    ConfigResponse empty = ConfigResponse.newBuilder().setNonce("only").build();
    assertThat(marshaller.stream(empty).readAllBytes()).isEqualTo(empty.toByteArray());
  }
}
