package dev.concierge.dataplane.client;

import dev.concierge.api.rules.Cidrs;
import dev.concierge.api.rules.ClientMatchRules;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A CIDR to country table, read once at node start from CSV lines {@code cidr,CC} ("1.2.3.0/24,FR",
 * "2001:db8::/32,DE"; blank lines and lines starting with {@code #} are skipped), kept as sorted
 * ranges: a lookup is one binary search, O(log n), without allocation. Blocks must not overlap. An
 * address in no block is {@value ClientMatchRules#UNKNOWN_COUNTRY}. Immutable, thread-safe.
 */
public final class GeoTable {
  private final IpRanges ranges;
  private final String[] countries;

  private GeoTable(IpRanges ranges, String[] countries) {
    this.ranges = ranges;
    this.countries = countries;
  }

  /** Reads the CSV file {@code file}; see {@link #read(Reader, String)}. */
  public static GeoTable read(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(reader, file.toString());
    }
  }

  /**
   * Reads CSV lines {@code cidr,CC}.
   *
   * @param source names the input in errors
   * @throws IllegalArgumentException naming the line of the first bad block, code or overlap
   */
  public static GeoTable read(Reader csv, String source) throws IOException {
    BufferedReader lines = new BufferedReader(csv);
    List<IpRanges.Entry> entries = new ArrayList<>();
    Map<String, Integer> codes = new HashMap<>();
    List<String> countries = new ArrayList<>();
    int number = 0;
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      number++;
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      int comma = text.indexOf(',');
      if (comma < 0) {
        throw bad(source, number, "expected cidr,CC");
      }
      String cidr = text.substring(0, comma).strip();
      String country = text.substring(comma + 1).strip().toUpperCase(Locale.ROOT);
      String problem = Cidrs.problem(cidr);
      if (problem != null) {
        throw bad(source, number, "\"" + cidr + "\" " + problem);
      }
      if (!ClientMatchRules.isCountry(country)) {
        throw bad(source, number, "\"" + country + "\" is not an ISO 3166-1 alpha-2 code");
      }
      Integer index = codes.get(country);
      if (index == null) {
        index = countries.size();
        codes.put(country, index);
        countries.add(country);
      }
      entries.add(new IpRanges.Entry(Cidrs.block(cidr), index));
    }
    IpRanges ranges;
    try {
      ranges = IpRanges.of(entries, false);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          source + ": two blocks overlap; each address may have one country", e);
    }
    return new GeoTable(ranges, countries.toArray(new String[0]));
  }

  /** The country of {@code address}, or "ZZ" when no block holds it. */
  public String countryOf(ClientAddress address) {
    int index = ranges.find(address.high(), address.low());
    return index < 0 ? ClientMatchRules.UNKNOWN_COUNTRY : countries[index];
  }

  /** The number of ranges. */
  public int size() {
    return ranges.size();
  }

  private static IllegalArgumentException bad(String source, int line, String problem) {
    return new IllegalArgumentException(source + ":" + line + ": " + problem);
  }
}
