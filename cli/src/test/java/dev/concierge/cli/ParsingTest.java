package dev.concierge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import dev.concierge.api.v1.DayOfWeek;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.HeaderMatch;
import dev.concierge.api.v1.QueryParameterMatch;
import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.TimeWindow;
import dev.concierge.api.v1.WeightedCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Durations, sizes, endpoints, cluster references, enum choices and tables, without a server. */
class ParsingTest {

  @ParameterizedTest
  @CsvSource({
    "500ms,0,500000000",
    "5s,5,0",
    "2m,120,0",
    "1h,3600,0",
    "1m30s,90,0",
    "1500ms,1,500000000",
    "90d,7776000,0"
  })
  void parsesDurations(String text, long seconds, int nanos) {
    assertThat(Durations.parse(text))
        .isEqualTo(Duration.newBuilder().setSeconds(seconds).setNanos(nanos).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5x", "s", "-5s", "5 s", "1.5s"})
  void rejectsMalformedDurations(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"500ms,500ms", "15s,15s", "120s,2m", "3600s,1h", "1500ms,1500ms", "0s,0s"})
  void formatsDurationsInTheLargestExactUnit(String in, String out) {
    assertThat(Durations.format(Durations.parse(in))).isEqualTo(out);
  }

  @ParameterizedTest
  @CsvSource({"0,0", "512,512", "16k,16384", "16K,16384", "1m,1048576", "2g,2147483648"})
  void parsesSizes(String text, long bytes) {
    assertThat(new Sizes.Converter().convert(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "k", "-1", "1.5m", "16kb", "1 m", "999999999999g"})
  void rejectsMalformedSizes(String text) {
    assertThatThrownBy(() -> new Sizes.Converter().convert(text))
        .isInstanceOf(picocli.CommandLine.TypeConversionException.class);
  }

  @ParameterizedTest
  @CsvSource({
    "0,0",
    "512,512",
    "1500,1500",
    "16384,16k",
    "52428800,50m",
    "1073741824,1g",
    "1099511627776,1024g",
    "1049600,1025k"
  })
  void formatsSizesInTheLargestExactUnit(long bytes, String text) {
    assertThat(Sizes.format(bytes)).isEqualTo(text);
    assertThat(Sizes.parse(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @CsvSource({"0,0µs", "850,850µs", "1000,1.0ms", "1234,1.2ms", "45600,45.6ms", "2500000,2.5s"})
  void formatsLatencies(long micros, String text) {
    assertThat(StatsCommand.latency(micros))
        .isEqualTo(text.replace("µs", ResourceCommand.unicodeOr("µs", "us")));
  }

  @Test
  void bodyColumnShowsModeAndLimit() {
    String le = ResourceCommand.unicodeOr("≤", "<=");
    assertThat(RouteCommand.body(RequestBodyPolicy.getDefaultInstance())).isEqualTo("buffer");
    assertThat(
            RouteCommand.body(
                RequestBodyPolicy.newBuilder().setMode(RequestBodyPolicy.Mode.STREAM).build()))
        .isEqualTo("stream");
    assertThat(RouteCommand.body(RequestBodyPolicy.newBuilder().setMaxBytes(1 << 20).build()))
        .isEqualTo("buffer " + le + "1m");
    assertThat(
            RouteCommand.body(
                RequestBodyPolicy.newBuilder()
                    .setMode(RequestBodyPolicy.Mode.STREAM)
                    .setMaxBytes(50L << 20)
                    .build()))
        .isEqualTo("stream " + le + "50m");
    assertThat(RouteCommand.body(RequestBodyPolicy.newBuilder().setModeValue(7).build()))
        .isEqualTo("mode 7");
  }

  @Test
  void enumChoicesIgnoreCaseAndNameTheChoices() {
    assertThat(new RouteCommand.PrefixModeConverter().convert("String"))
        .isEqualTo(RouteMatch.PrefixMode.STRING);
    assertThat(new RouteCommand.PathForwardingConverter().convert("NORMALIZED"))
        .isEqualTo(ForwardAction.PathForwarding.NORMALIZED);
    assertThat(new RouteCommand.BodyModeConverter().convert(" stream "))
        .isEqualTo(RequestBodyPolicy.Mode.STREAM);
    assertThatThrownBy(
            () -> new RouteCommand.PrefixModeConverter().convert("prefix_mode_unspecified"))
        .isInstanceOf(picocli.CommandLine.TypeConversionException.class)
        .hasMessage("'prefix_mode_unspecified' is not a prefix mode (expected segments or string)");
  }

  @Test
  void parsesHeaderAndQueryTests() {
    assertThat(RequestMatches.header("x-canary"))
        .isEqualTo(HeaderMatch.newBuilder().setName("x-canary").build());
    assertThat(RequestMatches.header("!x-internal"))
        .isEqualTo(HeaderMatch.newBuilder().setName("x-internal").setInvert(true).build());
    assertThat(RequestMatches.header("x-team=blue=green"))
        .isEqualTo(HeaderMatch.newBuilder().setName("x-team").setExact("blue=green").build());
    assertThat(RequestMatches.header("accept^=text/"))
        .isEqualTo(HeaderMatch.newBuilder().setName("accept").setPrefix("text/").build());
    assertThat(RequestMatches.header("!x-v~=v[0-9]+"))
        .isEqualTo(
            HeaderMatch.newBuilder().setName("x-v").setRegex("v[0-9]+").setInvert(true).build());
    assertThat(RequestMatches.query("debug"))
        .isEqualTo(QueryParameterMatch.newBuilder().setName("debug").build());
    assertThat(RequestMatches.query("v=2"))
        .isEqualTo(QueryParameterMatch.newBuilder().setName("v").setExact("2").build());
    assertThat(RequestMatches.query("id~=[0-9]+"))
        .isEqualTo(QueryParameterMatch.newBuilder().setName("id").setRegex("[0-9]+").build());
    for (String spec : List.of("x-canary", "!x-a", "x=1", "a^=b", "!a~=b")) {
      assertThat(RequestMatches.format(RequestMatches.header(spec))).isEqualTo(spec);
    }
    assertThatThrownBy(() -> RequestMatches.header("=1"))
        .isInstanceOf(picocli.CommandLine.TypeConversionException.class)
        .hasMessageStartingWith("'=1' names no header");
    assertThatThrownBy(() -> RequestMatches.query("~=1"))
        .isInstanceOf(picocli.CommandLine.TypeConversionException.class);
  }

  @Test
  void parsesAndFormatsTimeWindows() {
    assertThat(ClientMatches.time("Mon-Fri 09:00-17:00 Europe/Paris"))
        .isEqualTo(
            TimeWindow.newBuilder()
                .addAllDays(
                    List.of(
                        DayOfWeek.MONDAY,
                        DayOfWeek.TUESDAY,
                        DayOfWeek.WEDNESDAY,
                        DayOfWeek.THURSDAY,
                        DayOfWeek.FRIDAY))
                .setStart("09:00")
                .setEnd("17:00")
                .setTimeZone("Europe/Paris")
                .build());
    // A day range may wrap past Sunday; the parts come in any order.
    assertThat(ClientMatches.time("22:00-02:00 fri-mon").getDaysList())
        .containsExactly(DayOfWeek.FRIDAY, DayOfWeek.SATURDAY, DayOfWeek.SUNDAY, DayOfWeek.MONDAY);
    for (String spec :
        List.of(
            "mon-fri 09:00-17:00 Europe/Paris",
            "sat,sun",
            "22:00-06:00",
            "mon,wed,fri-sun 00:00-24:00 UTC",
            "mon,tue")) {
      assertThat(ClientMatches.format(ClientMatches.time(spec))).isEqualTo(spec);
    }
    for (String bad : List.of("", "mon-fry", "09:00", "25:00-26:00", "mon Mars/Olympus", "x")) {
      assertThatThrownBy(() -> ClientMatches.time(bad))
          .as(bad)
          .hasMessageContaining("expected e.g. \"mon-fri 09:00-17:00 Europe/Paris\"");
    }
  }

  @Test
  void parsesEndpoints() {
    assertThat(Endpoints.endpoint("127.0.0.1:9001"))
        .isEqualTo(Endpoint.newBuilder().setHost("127.0.0.1").setPort(9001).build());
    assertThat(Endpoints.endpoint("api.internal:443=20"))
        .isEqualTo(
            Endpoint.newBuilder().setHost("api.internal").setPort(443).setWeight(20).build());
    assertThat(Endpoints.endpoint("[::1]:8080"))
        .isEqualTo(Endpoint.newBuilder().setHost("::1").setPort(8080).build());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "nohost",
        ":80",
        "host:",
        "host:0",
        "host:70000",
        "host:80=0",
        "host:80=1001",
        "host:80=x",
        "::1:80",
        "[::1]80"
      })
  void rejectsMalformedEndpoints(String text) {
    assertThatThrownBy(() -> Endpoints.endpoint(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parsesWeightedClusters() {
    assertThat(Endpoints.weightedCluster("web"))
        .isEqualTo(WeightedCluster.newBuilder().setCluster("clusters/web").build());
    assertThat(Endpoints.weightedCluster("clusters/web=5"))
        .isEqualTo(WeightedCluster.newBuilder().setCluster("clusters/web").setWeight(5).build());
    assertThatThrownBy(() -> Endpoints.weightedCluster("routes/web"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Endpoints.weightedCluster("web=0"))
        .isEqualTo(WeightedCluster.newBuilder().setCluster("clusters/web").setWeight(0).build());
    assertThat(Endpoints.weightedCluster("web=0").hasWeight()).isTrue();
    assertThatThrownBy(() -> Endpoints.weightedCluster("web=1001"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parsesStickyCookies() {
    assertThat(StickinessOptions.cookie("ab"))
        .isEqualTo(dev.concierge.api.v1.StickyCookie.newBuilder().setName("ab").build());
    dev.concierge.api.v1.StickyCookie full = StickinessOptions.cookie("ab, ttl=1d ,path=/shop");
    assertThat(full.getTtl().getSeconds()).isEqualTo(86_400);
    assertThat(full.getPath()).isEqualTo("/shop");
    assertThat(
            StickinessOptions.format(
                dev.concierge.api.v1.Stickiness.newBuilder().setCookie(full).build()))
        .isEqualTo("cookie:ab,ttl=24h,path=/shop");
    assertThatThrownBy(() -> StickinessOptions.cookie("ab,max=3"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StickinessOptions.cookie(",ttl=1h"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tableAlignsColumnsAndDashesEmptyCells() {
    StringWriter s = new StringWriter();
    Table.of("A", "LONGER", "C").row("xyz", "", "1").row("q", "w", "").print(new PrintWriter(s));
    assertThat(s.toString().lines().toList())
        .containsExactly("A    LONGER  C", "xyz  -       1", "q    w       -");
  }
}
