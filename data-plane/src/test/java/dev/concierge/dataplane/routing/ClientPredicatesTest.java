package dev.concierge.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.DayOfWeek;
import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.TimeWindow;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.ClientFacts;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientPredicatesTest {
  /** What a request's context would know. */
  private record Facts(String address, DeviceClass deviceClass, String country, Instant now)
      implements ClientFacts {
    @Override
    public ClientAddress clientAddress() {
      return ClientAddress.parseHop(address);
    }

    @Override
    public boolean peerTrusted() {
      return false;
    }

    @Override
    public long currentTimeMillis() {
      return now.toEpochMilli();
    }
  }

  private static Facts from(String address) {
    return new Facts(address, DeviceClass.DESKTOP, "ZZ", Instant.EPOCH);
  }

  private static Facts device(DeviceClass device) {
    return new Facts("127.0.0.1", device, "ZZ", Instant.EPOCH);
  }

  private static Facts country(String code) {
    return new Facts("127.0.0.1", DeviceClass.DESKTOP, code, Instant.EPOCH);
  }

  private static Facts at(String instant) {
    return new Facts("127.0.0.1", DeviceClass.DESKTOP, "ZZ", Instant.parse(instant));
  }

  @Test
  void sourceMatchesTheClientAddress() {
    SourcePredicate source = SourcePredicate.of(List.of("10.0.0.0/8", "2001:db8::/32"));
    assertThat(source.test(from("10.20.30.40"))).isTrue();
    assertThat(source.test(from("2001:db8::1"))).isTrue();
    assertThat(source.test(from("192.0.2.1"))).isFalse();
  }

  @Test
  void deviceMatchesOneOfTheClasses() {
    DevicePredicate devices = DevicePredicate.of(List.of(DeviceClass.MOBILE, DeviceClass.TABLET));
    assertThat(devices.test(device(DeviceClass.MOBILE))).isTrue();
    assertThat(devices.test(device(DeviceClass.TABLET))).isTrue();
    assertThat(devices.test(device(DeviceClass.DESKTOP))).isFalse();
    assertThat(devices.test(device(DeviceClass.BOT))).isFalse();
  }

  @Test
  void countryMatchesOneOfTheCodes() {
    CountryPredicate countries = CountryPredicate.of(List.of("FR", "DE"));
    assertThat(countries.test(country("FR"))).isTrue();
    assertThat(countries.test(country("DE"))).isTrue();
    assertThat(countries.test(country("ZZ"))).isFalse();
    assertThat(CountryPredicate.of(List.of("ZZ")).test(country("ZZ"))).isTrue();
  }

  @Test
  void weekdayOfficeHoursInParis() {
    TimeWindowPredicate office =
        TimeWindowPredicate.of(
            List.of(
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
                    .build()));
    // Winter, UTC+1: Monday 2024-01-15 09:00 in Paris is 08:00Z.
    assertThat(office.test(at("2024-01-15T07:59:59Z"))).isFalse();
    assertThat(office.test(at("2024-01-15T08:00:00Z"))).isTrue();
    assertThat(office.test(at("2024-01-15T15:59:59Z"))).isTrue();
    assertThat(office.test(at("2024-01-15T16:00:00Z"))).isFalse();
    // Summer, UTC+2: the same hours are 07:00Z-15:00Z.
    assertThat(office.test(at("2024-07-15T07:00:00Z"))).isTrue();
    assertThat(office.test(at("2024-07-15T15:30:00Z"))).isFalse();
    // Saturday.
    assertThat(office.test(at("2024-01-13T10:00:00Z"))).isFalse();
  }

  @Test
  void aWindowWrappingPastMidnightBelongsToTheDayItStarts() {
    TimeWindowPredicate fridayNight =
        TimeWindowPredicate.of(
            List.of(
                TimeWindow.newBuilder()
                    .addDays(DayOfWeek.FRIDAY)
                    .setStart("22:00")
                    .setEnd("02:00")
                    .build()));
    // 2024-01-19 is a Friday; UTC.
    assertThat(fridayNight.test(at("2024-01-19T21:59:00Z"))).isFalse();
    assertThat(fridayNight.test(at("2024-01-19T22:00:00Z"))).isTrue();
    assertThat(fridayNight.test(at("2024-01-20T01:59:00Z"))).isTrue();
    assertThat(fridayNight.test(at("2024-01-20T02:00:00Z"))).isFalse();
    // Thursday night and Saturday night are not Friday's.
    assertThat(fridayNight.test(at("2024-01-18T23:00:00Z"))).isFalse();
    assertThat(fridayNight.test(at("2024-01-20T23:00:00Z"))).isFalse();
  }

  @Test
  void daysWithoutHoursAndHoursWithoutDays() {
    TimeWindowPredicate weekend =
        TimeWindowPredicate.of(
            List.of(
                TimeWindow.newBuilder()
                    .addDays(DayOfWeek.SATURDAY)
                    .addDays(DayOfWeek.SUNDAY)
                    .setTimeZone("America/New_York")
                    .build()));
    // Saturday 00:30 in New York is 05:30Z on Saturday; Friday 23:30 there is 04:30Z Saturday.
    assertThat(weekend.test(at("2024-01-20T05:30:00Z"))).isTrue();
    assertThat(weekend.test(at("2024-01-20T04:30:00Z"))).isFalse();
    TimeWindowPredicate lunch =
        TimeWindowPredicate.of(
            List.of(TimeWindow.newBuilder().setStart("12:00").setEnd("13:00").build()));
    assertThat(lunch.test(at("2024-01-17T12:30:00Z"))).isTrue();
    assertThat(lunch.test(at("2024-01-17T13:00:00Z"))).isFalse();
  }

  @Test
  void anyWindowMayHold() {
    TimeWindowPredicate twice =
        TimeWindowPredicate.of(
            List.of(
                TimeWindow.newBuilder().setStart("01:00").setEnd("02:00").build(),
                TimeWindow.newBuilder().setStart("03:00").setEnd("04:00").build()));
    assertThat(twice.test(at("2024-01-17T01:30:00Z"))).isTrue();
    assertThat(twice.test(at("2024-01-17T03:30:00Z"))).isTrue();
    assertThat(twice.test(at("2024-01-17T02:30:00Z"))).isFalse();
  }
}
