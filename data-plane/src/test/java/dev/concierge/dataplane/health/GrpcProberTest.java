package dev.concierge.dataplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class GrpcProberTest {
  @Test
  void framesAHealthCheckRequestForTheService() throws Exception {
    byte[] frame = GrpcProber.frame("web.Api");
    assertThat(frame[0]).isZero();
    assertThat(ByteBuffer.wrap(frame, 1, 4).getInt()).isEqualTo(frame.length - 5);
    CodedInputStream in = CodedInputStream.newInstance(frame, 5, frame.length - 5);
    assertThat(in.readTag()).isEqualTo((1 << 3) | 2);
    assertThat(in.readString()).isEqualTo("web.Api");
    assertThat(in.isAtEnd()).isTrue();
  }

  @Test
  void asksAboutTheWholeServerWithAnEmptyMessage() {
    assertThat(GrpcProber.frame("")).containsExactly(0, 0, 0, 0, 0);
  }

  @Test
  void readsTheServingStatus() {
    assertThat(GrpcProber.servingStatus(new byte[] {0, 0, 0, 0, 2, 8, 1}))
        .isEqualTo(GrpcProber.SERVING);
    assertThat(GrpcProber.servingStatus(new byte[] {0, 0, 0, 0, 2, 8, 2})).isEqualTo(2);
    // An unknown field first is skipped; an empty message is UNKNOWN (0).
    assertThat(GrpcProber.servingStatus(new byte[] {0, 0, 0, 0, 4, 16, 7, 8, 1})).isEqualTo(1);
    assertThat(GrpcProber.servingStatus(new byte[] {0, 0, 0, 0, 0})).isZero();
    // Not one uncompressed message: no status.
    assertThat(GrpcProber.servingStatus(new byte[] {1, 0, 0, 0, 2, 8, 1})).isEqualTo(-1);
    assertThat(GrpcProber.servingStatus(new byte[] {0, 0, 0, 0, 9, 8, 1})).isEqualTo(-1);
    assertThat(GrpcProber.servingStatus(new byte[0])).isEqualTo(-1);
  }
}
