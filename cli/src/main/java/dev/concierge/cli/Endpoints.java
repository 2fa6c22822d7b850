package dev.concierge.cli;

import com.google.common.base.CharMatcher;
import com.google.common.net.HostAndPort;
import dev.concierge.api.rules.ClusterRules;
import dev.concierge.api.rules.FieldChecks;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.WeightedCluster;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses {@code HOST:PORT[=WEIGHT][,priority=N][,draining]} endpoints, {@code NAME[=WEIGHT]}
 * clusters and addresses.
 */
final class Endpoints {

  private static final String PRIORITY = "priority=";

  /** The endpoint option that keeps it out of rotation ({@code endpoint drain}). */
  static final String DRAINING = "draining";

  private Endpoints() {}

  /**
   * Parses {@code host:port} or {@code [v6]:port} (Guava's {@link HostAndPort}, brackets required
   * for IPv6); throws IllegalArgumentException naming the text otherwise.
   */
  static HostAndPort hostPort(String text) {
    String t = text.strip();
    HostAndPort hp;
    try {
      hp = HostAndPort.fromString(t).requireBracketsForIPv6();
    } catch (IllegalArgumentException e) {
      // Guava's own words name neither the text nor the form expected.
      String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      throw m.contains("port") ? badPort(text) : notHostPort(text);
    }
    if (!hp.hasPort() || hp.getHost().isEmpty() || CharMatcher.whitespace().matchesAnyOf(t)) {
      throw notHostPort(text);
    }
    if (hp.getPort() < 1) {
      throw badPort(text);
    }
    return hp;
  }

  /** Parses {@code HOST:PORT[=WEIGHT][,priority=N][,draining]}. */
  static Endpoint endpoint(String text) {
    String t = text.strip();
    Endpoint.Builder b = Endpoint.newBuilder();
    int comma = t.indexOf(',');
    if (comma >= 0) {
      for (String part : t.substring(comma + 1).split(",", -1)) {
        String option = part.strip();
        if (option.equals(DRAINING)) {
          b.setDraining(true);
        } else if (option.startsWith(PRIORITY)) {
          b.setPriority(
              parseInt(
                  option.substring(PRIORITY.length()),
                  0,
                  ClusterRules.MAX_PRIORITY,
                  "priority",
                  text));
        } else {
          throw new IllegalArgumentException(
              "'"
                  + text
                  + "': after the comma only priority=N (0-"
                  + ClusterRules.MAX_PRIORITY
                  + ") and draining");
        }
      }
      t = t.substring(0, comma).strip();
    }
    int eq = t.indexOf('=');
    if (eq >= 0) {
      b.setWeight(parseInt(t.substring(eq + 1), 1, FieldChecks.MAX_WEIGHT, "weight", text));
      t = t.substring(0, eq);
    }
    HostAndPort hp = hostPort(t);
    return b.setHost(hp.getHost()).setPort(hp.getPort()).build();
  }

  /** Parses {@code NAME[=WEIGHT]}; bare names become {@code clusters/NAME}. */
  static WeightedCluster weightedCluster(String text) {
    String t = text.strip();
    int eq = t.indexOf('=');
    WeightedCluster.Builder b = WeightedCluster.newBuilder();
    if (eq >= 0) {
      // 0 keeps the cluster on the route without traffic: the idle side of blue/green.
      b.setWeight(parseInt(t.substring(eq + 1), 0, FieldChecks.MAX_WEIGHT, "weight", text));
      t = t.substring(0, eq);
    }
    String id = Names.CLUSTER.id(t);
    if (id.isEmpty() || id.contains("/") || id.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "'" + text + "' is not NAME[=WEIGHT] (e.g. web or clusters/web=3)");
    }
    return b.setCluster("clusters/" + id).build();
  }

  private static int parseInt(String s, int min, int max, String what, String whole) {
    try {
      int n = Integer.parseInt(s.strip());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException(
        "'" + whole + "': " + what + " must be a number from " + min + " to " + max);
  }

  private static IllegalArgumentException badPort(String text) {
    return new IllegalArgumentException("'" + text + "': port must be a number from 1 to 65535");
  }

  private static IllegalArgumentException notHostPort(String text) {
    return new IllegalArgumentException("'" + text + "' is not HOST:PORT");
  }

  /** picocli converter for {@code --endpoint}. */
  static final class EndpointConverter implements ITypeConverter<Endpoint> {
    @Override
    public Endpoint convert(String value) {
      try {
        return endpoint(value);
      } catch (IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        throw new TypeConversionException(
            message.endsWith("HOST:PORT") ? message + "[=WEIGHT]" : message);
      }
    }
  }

  /** picocli converter for {@code --cluster} of routes. */
  static final class WeightedClusterConverter implements ITypeConverter<WeightedCluster> {
    @Override
    public WeightedCluster convert(String value) {
      try {
        return weightedCluster(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
