package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.DayOfWeek;
import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.TimeWindow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientMatchRulesTest {
  private static List<String> violations(RouteMatch.Builder match) {
    List<String> found = new ArrayList<>();
    ClientMatchRules.check(match.build(), "route", (field, why) -> found.add(field + ": " + why));
    return found;
  }

  @Test
  void acceptsEveryKindOfTest() {
    assertThat(
            violations(
                RouteMatch.newBuilder()
                    .addSourceCidrs("10.0.0.0/8")
                    .addSourceCidrs("2001:db8::/32")
                    .addSourceCidrs("192.0.2.7/32")
                    .addSourceCidrs("::/0")
                    .addDevices(DeviceClass.MOBILE)
                    .addDevices(DeviceClass.TABLET)
                    .addCountries("FR")
                    .addCountries("ZZ")
                    .addTimeWindows(
                        TimeWindow.newBuilder()
                            .addDays(DayOfWeek.MONDAY)
                            .setStart("09:00")
                            .setEnd("17:30")
                            .setTimeZone("Europe/Paris"))
                    .addTimeWindows(TimeWindow.newBuilder().setStart("22:00").setEnd("24:00"))
                    .addTimeWindows(TimeWindow.newBuilder().addDays(DayOfWeek.SUNDAY))))
        .isEmpty();
  }

  @Test
  void namesWhatIsWrongWithEachTest() {
    assertThat(
            violations(
                RouteMatch.newBuilder()
                    .addSourceCidrs("10.0.0.1/8")
                    .addSourceCidrs("10.0.0.0/33")
                    .addSourceCidrs("10.0.0.0")
                    .addSourceCidrs("::1/128")
                    .addSourceCidrs("0:0::1/128")
                    .addDevices(DeviceClass.DEVICE_CLASS_UNSPECIFIED)
                    .addDevicesValue(9)
                    .addCountries("fr")
                    .addCountries("FRA")
                    .addTimeWindows(
                        TimeWindow.newBuilder()
                            .addDays(DayOfWeek.MONDAY)
                            .addDays(DayOfWeek.MONDAY)
                            .setStart("24:00")
                            .setEnd("9:00")
                            .setTimeZone("Mars/Olympus"))))
        .containsExactly(
            "route.match.source_cidrs[0]: has address bits set after the first 8: write the"
                + " block's first address",
            "route.match.source_cidrs[1]: the prefix length must be 0-32",
            "route.match.source_cidrs[2]: \"10.0.0.0\" is not a CIDR block (ADDRESS/BITS)",
            "route.match.source_cidrs[4]: duplicates source_cidrs[3]",
            "route.match.devices[0]: must name a device class (mobile, tablet, desktop or bot)",
            "route.match.devices[1]: unknown value 9 (one of DEVICE_CLASS_UNSPECIFIED, MOBILE,"
                + " TABLET, DESKTOP, BOT)",
            "route.match.countries[0]: \"fr\" is not an ISO 3166-1 alpha-2 code (two upper-case"
                + " letters, e.g. FR)",
            "route.match.countries[1]: \"FRA\" is not an ISO 3166-1 alpha-2 code (two upper-case"
                + " letters, e.g. FR)",
            "route.match.time_windows[0].days[1]: duplicates days[0]",
            "route.match.time_windows[0].start: must be HH:MM from 00:00 to 23:59",
            "route.match.time_windows[0].end: must be HH:MM from 00:00 to 24:00",
            "route.match.time_windows[0].time_zone: \"Mars/Olympus\" is not a time zone (an IANA"
                + " name such as Europe/Paris)");
  }

  @Test
  void boundsTheLists() {
    RouteMatch.Builder match = RouteMatch.newBuilder();
    for (int i = 0; i <= ClientMatchRules.MAX_CIDRS; i++) {
      match.addSourceCidrs("10." + (i / 256) + "." + (i % 256) + ".0/24");
    }
    for (int i = 0; i <= ClientMatchRules.MAX_WINDOWS; i++) {
      match.addTimeWindows(TimeWindow.newBuilder().setStart("%02d:00".formatted(i % 24)));
    }
    assertThat(violations(match))
        .containsExactly(
            "route.match.source_cidrs: at most 256 blocks",
            "route.match.time_windows: at most 32 windows");
  }
}
