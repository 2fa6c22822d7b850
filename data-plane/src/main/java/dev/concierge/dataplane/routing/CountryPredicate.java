package dev.concierge.dataplane.routing;

import dev.concierge.dataplane.client.ClientFacts;
import java.util.List;

/**
 * The client's country is one of a route's. Codes are two letters, so each packs into a char pair
 * compared without allocation. Immutable, thread-safe.
 */
public final class CountryPredicate extends ClientPredicate {
  private final int[] codes;

  private CountryPredicate(int[] codes) {
    this.codes = codes;
  }

  /** The predicate of codes that passed the rules (two upper-case letters each). */
  public static CountryPredicate of(List<String> countries) {
    return new CountryPredicate(countries.stream().mapToInt(CountryPredicate::pack).toArray());
  }

  @Override
  boolean test(ClientFacts client) {
    int code = pack(client.country());
    for (int c : codes) {
      if (c == code) {
        return true;
      }
    }
    return false;
  }

  private static int pack(String country) {
    return country.length() == 2 ? country.charAt(0) << 16 | country.charAt(1) : -1;
  }

  @Override
  public String toString() {
    return "countries " + codes.length;
  }
}
