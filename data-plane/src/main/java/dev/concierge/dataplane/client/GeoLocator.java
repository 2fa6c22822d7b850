package dev.concierge.dataplane.client;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.ClientMatchRules;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.jspecify.annotations.Nullable;

/**
 * Where the node learns a client's country (a node setting): nowhere (every client is "ZZ"), a
 * header set by a trusted proxy such as a CDN ({@code --geo-header CF-IPCountry}; read only when
 * the connection's peer is a trusted proxy, since anyone else could forge it), or a CIDR table
 * ({@code --geo-csv}) looked up with the client address. A header value that is not two letters
 * (Cloudflare's "XX", "T1") is "ZZ". Immutable, thread-safe.
 */
public final class GeoLocator {
  private static final GeoLocator NONE = new GeoLocator(null, null);

  private final @Nullable String header;
  private final @Nullable GeoTable table;

  private GeoLocator(@Nullable String header, @Nullable GeoTable table) {
    this.header = header;
    this.table = table;
  }

  /** Knows no country. */
  public static GeoLocator none() {
    return NONE;
  }

  /** Reads the country from {@code name}, set by a trusted proxy. */
  public static GeoLocator header(String name) {
    return new GeoLocator(requireNonNull(name, "name"), null);
  }

  /** Looks the client address up in {@code table}. */
  public static GeoLocator table(GeoTable table) {
    return new GeoLocator(null, requireNonNull(table, "table"));
  }

  /** The country of the client of a request with {@code headers}. */
  public String countryOf(HttpFields headers, ClientFacts client) {
    if (table != null) {
      return table.countryOf(client.clientAddress());
    }
    if (header == null || !client.peerTrusted()) {
      return ClientMatchRules.UNKNOWN_COUNTRY;
    }
    String value = headers.get(header);
    if (value == null) {
      return ClientMatchRules.UNKNOWN_COUNTRY;
    }
    value = value.strip();
    if (ClientMatchRules.isCountry(value)) {
      return value;
    }
    String upper = value.toUpperCase(Locale.ROOT);
    return ClientMatchRules.isCountry(upper) ? upper : ClientMatchRules.UNKNOWN_COUNTRY;
  }

  @Override
  public String toString() {
    return table != null ? "csv" : header != null ? "header " + header : "none";
  }
}
