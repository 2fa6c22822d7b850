package dev.concierge.controlplane.dashboard;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The dashboard's files, read from the class path once at start and served from memory: the page,
 * its script and style under {@code dashboard/}, and uPlot from its WebJar. Only these names are
 * served, looked up exactly, so no path can reach another file and no directory is listed.
 */
public final class DashboardAssets {
  /** Where the dashboard lives on the HTTP port. */
  public static final String PREFIX = "/dashboard/";

  private static final String WEBJAR_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

  /**
   * A strict policy: everything from this origin only, no inline script. uPlot sizes its elements
   * through the CSSOM, which style-src does not restrict.
   */
  private static final String CSP =
      "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none';"
          + " base-uri 'none'; form-action 'self'";

  private final Map<String, Asset> assets;

  private DashboardAssets(Map<String, Asset> assets) {
    this.assets = Map.copyOf(assets);
  }

  /** One file: its bytes, type and strong validator. */
  private record Asset(ByteString body, String contentType, String etag, String cacheControl) {}

  /** Reads every file; fails at start, not at the first request, when one is missing. */
  public static DashboardAssets load() {
    ClassLoader loader = DashboardAssets.class.getClassLoader();
    String uplot = "META-INF/resources/webjars/uplot/" + webjarVersion(loader) + "/dist/";
    Map<String, String> files = new LinkedHashMap<>();
    files.put("", "dashboard/index.html");
    files.put("index.html", "dashboard/index.html");
    files.put("app.js", "dashboard/app.js");
    files.put("style.css", "dashboard/style.css");
    files.put("favicon.svg", "dashboard/favicon.svg");
    files.put("vendor/uPlot.iife.min.js", uplot + "uPlot.iife.min.js");
    files.put("vendor/uPlot.min.css", uplot + "uPlot.min.css");
    Map<String, Asset> assets = new HashMap<>();
    files.forEach(
        (path, resource) -> {
          ByteString body = ByteString.copyFrom(read(loader, resource));
          // Our own files change with every build and are revalidated (cheap: 304 by ETag);
          // the library's carry its version in their path.
          String cache = resource.startsWith("META-INF/") ? "public, max-age=86400" : "no-cache";
          assets.put(path, new Asset(body, contentType(resource), etag(body), cache));
        });
    return new DashboardAssets(assets);
  }

  /** The answer for a GET of {@code path} (under {@link #PREFIX}), or empty when it is not ours. */
  public Optional<HttpAnswer> get(String path, @Nullable String ifNoneMatch) {
    if (!path.startsWith(PREFIX)) {
      return Optional.empty();
    }
    Asset a = assets.get(path.substring(PREFIX.length()));
    if (a == null) {
      return Optional.empty();
    }
    Map<String, String> headers = new HashMap<>();
    headers.put("ETag", a.etag());
    headers.put("Cache-Control", a.cacheControl());
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Referrer-Policy", "no-referrer");
    if (a.contentType().startsWith("text/html")) {
      headers.put("Content-Security-Policy", CSP);
      headers.put("X-Frame-Options", "DENY");
    }
    if (ifNoneMatch != null && ifNoneMatch.contains(a.etag())) {
      return Optional.of(new HttpAnswer(304, a.contentType(), headers, ByteString.EMPTY));
    }
    return Optional.of(new HttpAnswer(200, a.contentType(), headers, a.body()));
  }

  private static String webjarVersion(ClassLoader loader) {
    Properties p = new Properties();
    try (InputStream in = loader.getResourceAsStream(WEBJAR_POM)) {
      if (in == null) {
        throw new IllegalStateException("the uPlot WebJar is not on the class path");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return requireNonNull(p.getProperty("version"), "version in " + WEBJAR_POM);
  }

  private static byte[] read(ClassLoader loader, String resource) {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("dashboard file missing from the class path: " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String contentType(String resource) {
    String ext = resource.substring(resource.lastIndexOf('.') + 1);
    return switch (ext) {
      case "html" -> "text/html; charset=utf-8";
      case "js" -> "text/javascript; charset=utf-8";
      case "css" -> "text/css; charset=utf-8";
      case "svg" -> "image/svg+xml";
      default -> throw new IllegalArgumentException("no content type for " + resource);
    };
  }

  private static String etag(ByteString body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.toByteArray());
      return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
