package dev.concierge.dataplane.chain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GrpcTest {
  @ParameterizedTest
  @CsvSource({
    "1H, 3600000",
    "2M, 120000",
    "3S, 3000",
    "250m, 250",
    "1500000u, 1500",
    "999u, 1",
    "5000000n, 5",
    "99999999H, 359999996400000",
    "10, -1",
    "x1S, -1",
    "1s, -1",
    "123456789S, -1",
    "S, -1"
  })
  void readsGrpcTimeout(String value, long millis) {
    assertThat(Grpc.parseTimeoutMillis(value)).isEqualTo(millis);
  }

  @ParameterizedTest
  @CsvSource({
    "404, 12", "405, 12", "502, 14", "503, 14", "429, 14", "504, 4", "408, 4", "413, 8", "500, 13",
    "418, 2"
  })
  void mapsHttpStatusToGrpcStatus(int http, int grpc) {
    assertThat(Grpc.statusOf(http)).isEqualTo(grpc);
  }

  @org.junit.jupiter.api.Test
  void percentEncodesMessages() {
    assertThat(Grpc.percentEncode("no route 100% é\n")).isEqualTo("no route 100%25 %C3%A9%0A");
  }
}
