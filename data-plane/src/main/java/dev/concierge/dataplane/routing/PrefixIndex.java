package dev.concierge.dataplane.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Values keyed by path prefixes, probed with a request path from its longest indexed prefix to its
 * shortest: one hash probe per distinct prefix length, not one test per route, and no allocation (a
 * prefix's hash is the path's running {@link String#hashCode} at that length). The same table keyed
 * by host suffixes ({@link #getSuffix}) finds wildcard hosts. Immutable.
 *
 * @param <V> what a prefix maps to
 */
final class PrefixIndex<V> {
  private final int[] lengths; // distinct prefix lengths, longest first
  private final String[] keys; // open addressing, power-of-two size
  private final @Nullable Object[] values;
  private final int mask;

  private PrefixIndex(int[] lengths, String[] keys, @Nullable Object[] values) {
    this.lengths = lengths;
    this.keys = keys;
    this.values = values;
    this.mask = keys.length - 1;
  }

  /** An index of {@code byPrefix}; the map is not kept. */
  static <V> PrefixIndex<V> of(Map<String, V> byPrefix) {
    int size = Integer.highestOneBit(Math.max(2, byPrefix.size() * 2 - 1)) << 1;
    String[] keys = new String[size];
    Object[] values = new Object[size];
    java.util.TreeSet<Integer> lengths =
        new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
    for (Map.Entry<String, V> e : byPrefix.entrySet()) {
      String key = e.getKey();
      lengths.add(key.length());
      int i = slot(key.hashCode(), size - 1);
      while (keys[i] != null) {
        i = (i + 1) & (size - 1);
      }
      keys[i] = key;
      values[i] = e.getValue();
    }
    return new PrefixIndex<>(lengths.stream().mapToInt(Integer::intValue).toArray(), keys, values);
  }

  /** Groups {@code items} by their prefix, keeping their order within each group. */
  static <T> Map<String, List<T>> group(List<T> items, Function<T, String> prefix) {
    Map<String, List<T>> groups = new LinkedHashMap<>();
    for (T item : items) {
      groups.computeIfAbsent(prefix.apply(item), k -> new ArrayList<>()).add(item);
    }
    return groups;
  }

  /**
   * The home slot of a hash. String hashes of similar prefixes ("/api/v1/items", "/api/v2/items")
   * differ only in a few low bits, so masking them directly packs thousands of keys into a few long
   * runs that every probe (a miss included) walks: Fibonacci hashing spreads them first.
   */
  private static int slot(int hash, int mask) {
    int h = hash * 0x9E3779B9;
    return (h ^ (h >>> 16)) & mask;
  }

  /**
   * 31's inverse modulo 2^32: {@link String#hashCode} of a prefix one character shorter is {@code
   * (hash - last) * INVERSE_31}, so a lookup walks from the longest prefix to the shortest without
   * keeping the hash of each.
   */
  static final int INVERSE_31 = 0xBDEF7BDF;

  /** {@code text.substring(from, to).hashCode()}, without the substring. */
  static int hash(String text, int from, int to) {
    int hash = 0;
    for (int i = from; i < to; i++) {
      hash = 31 * hash + text.charAt(i);
    }
    return hash;
  }

  /**
   * The {@link String#hashCode} {@code text[from, to)} would have in ASCII lower case: host names
   * are looked up in their request form, without a lower-cased copy.
   */
  static int lowerHash(String text, int from, int to) {
    int hash = 0;
    for (int i = from; i < to; i++) {
      hash = 31 * hash + lower(text.charAt(i));
    }
    return hash;
  }

  /** {@code c} in ASCII lower case. */
  static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
  }

  /** 31 to the power {@code n}, modulo 2^32. */
  static int power(int n) {
    int power = 1;
    for (int i = 0; i < n; i++) {
      power *= 31;
    }
    return power;
  }

  /** The number of distinct prefix lengths: the most probes one lookup makes. */
  int probes() {
    return lengths.length;
  }

  /** The distinct prefix lengths, longest first. */
  int length(int probe) {
    return lengths[probe];
  }

  /**
   * The value of the prefix of {@code path} that is {@code length} long, or null; {@code hash} is
   * {@code path.substring(0, length).hashCode()}.
   */
  @Nullable V get(String path, int length, int hash) {
    return find(path, 0, length, hash, false);
  }

  /**
   * The value of the host name {@code text[from, from + length)}, ignoring ASCII case (keys are
   * lower case), or null; {@code hash} is {@link #lowerHash} of that name.
   */
  @Nullable V getHost(String text, int from, int length, int hash) {
    return find(text, from, length, hash, true);
  }

  /**
   * The value of the suffix of the host name {@code text[0, end)} that is {@code length} long,
   * ignoring ASCII case (keys are lower case), or null; {@code hash} is that suffix's {@link
   * #lowerHash}.
   */
  @Nullable V getSuffix(String text, int end, int length, int hash) {
    return find(text, end - length, length, hash, true);
  }

  @SuppressWarnings("unchecked") // values holds only V
  private @Nullable V find(String text, int from, int length, int hash, boolean ignoreCase) {
    for (int i = slot(hash, mask); ; i = (i + 1) & mask) {
      String key = keys[i];
      if (key == null) {
        return null;
      }
      if (key.length() == length
          && key.hashCode() == hash
          && text.regionMatches(ignoreCase, from, key, 0, length)) {
        return (V) values[i];
      }
    }
  }
}
