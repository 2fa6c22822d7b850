package dev.concierge.cli;

import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.WeightedCluster;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code HOST:PORT[=WEIGHT]} endpoints, {@code NAME[=WEIGHT]} clusters and addresses. */
final class Endpoints {

  private Endpoints() {}

  /** A parsed {@code host:port}; IPv6 literals come in brackets. */
  record HostPort(String host, int port) {
    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** Parses {@code host:port} or {@code [v6]:port}; throws IllegalArgumentException otherwise. */
  static HostPort hostPort(String text) {
    String t = text.strip();
    String host;
    String port;
    if (t.startsWith("[")) {
      int close = t.indexOf("]:");
      if (close < 0) {
        throw notHostPort(text);
      }
      host = t.substring(1, close);
      port = t.substring(close + 2);
    } else {
      int colon = t.lastIndexOf(':');
      if (colon <= 0 || t.indexOf(':') != colon) {
        throw notHostPort(text);
      }
      host = t.substring(0, colon);
      port = t.substring(colon + 1);
    }
    if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
      throw notHostPort(text);
    }
    return new HostPort(host, parseInt(port, 1, 65_535, "port", text));
  }

  /** Parses {@code HOST:PORT[=WEIGHT]}. */
  static Endpoint endpoint(String text) {
    String t = text.strip();
    int eq = t.indexOf('=');
    Endpoint.Builder b = Endpoint.newBuilder();
    if (eq >= 0) {
      b.setWeight(parseInt(t.substring(eq + 1), 1, 1_000, "weight", text));
      t = t.substring(0, eq);
    }
    HostPort hp = hostPort(t);
    return b.setHost(hp.host()).setPort(hp.port()).build();
  }

  /** Parses {@code NAME[=WEIGHT]}; bare names become {@code clusters/NAME}. */
  static WeightedCluster weightedCluster(String text) {
    String t = text.strip();
    int eq = t.indexOf('=');
    WeightedCluster.Builder b = WeightedCluster.newBuilder();
    if (eq >= 0) {
      b.setWeight(parseInt(t.substring(eq + 1), 1, 1_000, "weight", text));
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

  /** picocli converter for addresses such as {@code --server}. */
  static final class HostPortConverter implements ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      try {
        return hostPort(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
