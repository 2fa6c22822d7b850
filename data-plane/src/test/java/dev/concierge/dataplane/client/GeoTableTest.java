package dev.concierge.dataplane.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class GeoTableTest {
  private static final String CSV =
      """
      # cidr,country
      1.2.3.0/24,FR
      1.2.4.0/22,de

      5.0.0.0/8,US
      2001:db8::/32,JP
      2001:db9::/48,FR
      """;

  private static GeoTable table(String csv) throws IOException {
    return GeoTable.read(new StringReader(csv), "geo.csv");
  }

  private static String country(GeoTable table, String address) {
    return table.countryOf(ClientAddress.parseHop(address));
  }

  @Test
  void findsTheCountryOfIpv4AndIpv6Addresses() throws IOException {
    GeoTable table = table(CSV);
    assertThat(table.size()).isEqualTo(5);
    assertThat(country(table, "1.2.3.4")).isEqualTo("FR");
    assertThat(country(table, "1.2.7.255")).isEqualTo("DE");
    assertThat(country(table, "5.6.7.8")).isEqualTo("US");
    assertThat(country(table, "2001:db8:ffff::1")).isEqualTo("JP");
    assertThat(country(table, "2001:db9:0:1::1")).isEqualTo("FR");
  }

  @Test
  void anAddressInNoBlockIsZz() throws IOException {
    GeoTable table = table(CSV);
    assertThat(country(table, "1.2.2.255")).isEqualTo("ZZ");
    assertThat(country(table, "1.2.8.0")).isEqualTo("ZZ");
    assertThat(country(table, "2001:dba::1")).isEqualTo("ZZ");
    assertThat(table.countryOf(ClientAddress.UNKNOWN)).isEqualTo("ZZ");
  }

  @Test
  void refusesBadLinesWithTheirNumber() {
    assertThatThrownBy(() -> table("1.2.3.0/24,FR\n1.2.3.0/33,DE\n"))
        .hasMessageStartingWith("geo.csv:2:");
    assertThatThrownBy(() -> table("1.2.3.0/24,FRA\n")).hasMessageContaining("geo.csv:1:");
    assertThatThrownBy(() -> table("1.2.3.0/24\n")).hasMessageContaining("cidr,CC");
    assertThatThrownBy(() -> table("1.2.0.0/16,FR\n1.2.3.0/24,DE\n"))
        .hasMessageContaining("overlap");
  }

  @Test
  void aGeoHeaderIsBelievedOnlyFromATrustedPeer() {
    GeoLocator locator = GeoLocator.header("CF-IPCountry");
    HttpFields headers = HttpFields.build().add("CF-IPCountry", "fr");
    assertThat(locator.countryOf(headers, trusted(true))).isEqualTo("FR");
    assertThat(locator.countryOf(headers, trusted(false))).isEqualTo("ZZ");
    assertThat(locator.countryOf(HttpFields.build().add("CF-IPCountry", "T1"), trusted(true)))
        .isEqualTo("ZZ");
    assertThat(locator.countryOf(HttpFields.build(), trusted(true))).isEqualTo("ZZ");
    assertThat(GeoLocator.none().countryOf(headers, trusted(true))).isEqualTo("ZZ");
  }

  private static ClientFacts trusted(boolean peerTrusted) {
    return new FixedClient(ClientAddress.UNKNOWN, peerTrusted);
  }
}
