package dev.concierge.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Executables of a Debian package for a test: from the PATH when every one is there, else from the
 * package fetched into {@code target/<package>} ({@code apt-get download}, then {@code apt-get
 * update} once if the machine has no package lists yet) and unpacked there with {@code dpkg-deb
 * -x}, once per checkout.
 */
final class DebianBinaries {
  private DebianBinaries() {}

  /** The directory holding {@code executables}, all of them from Debian package {@code name}. */
  static synchronized Path of(String name, String... executables) throws Exception {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(":", -1)) {
      if (!dir.isEmpty() && allIn(Path.of(dir), executables)) {
        return Path.of(dir);
      }
    }
    Path home = Path.of("target", name).toAbsolutePath();
    Path bin = home.resolve("root/usr/bin");
    if (allIn(bin, executables)) {
      return bin;
    }
    unpack(name, home.resolve("download"), home.resolve("root"));
    if (!allIn(bin, executables)) {
      throw new IllegalStateException(
          "package " + name + " has not all of " + Arrays.toString(executables) + " in " + bin);
    }
    return bin;
  }

  /**
   * The root into which Debian packages {@code names} are unpacked together ({@code
   * target/<dir>/root}, once per checkout): for a program whose executable, its symlinks and its
   * shared libraries come from several packages. {@code marker}, a path under the root, tells that
   * the unpacking is done.
   */
  static synchronized Path unpacked(String dir, String marker, String... names) throws Exception {
    Path home = Path.of("target", dir).toAbsolutePath();
    Path root = home.resolve("root");
    if (Files.exists(root.resolve(marker))) {
      return root;
    }
    for (String name : names) {
      unpack(name, home.resolve("download").resolve(name), root);
    }
    if (!Files.exists(root.resolve(marker))) {
      throw new IllegalStateException(
          "packages " + Arrays.toString(names) + " left no " + marker + " in " + root);
    }
    return root;
  }

  /** Fetches Debian package {@code name} into {@code download} and unpacks it into {@code root}. */
  private static void unpack(String name, Path download, Path root) throws Exception {
    Files.createDirectories(download);
    if (run(download, "apt-get", "download", name) != 0) {
      // A fresh machine may have no package lists yet (root can fetch them).
      run(download, "apt-get", "update");
      if (run(download, "apt-get", "download", name) != 0) {
        throw new IllegalStateException(
            "cannot fetch the Debian package "
                + name
                + " (apt-get download failed); see "
                + download.resolve("apt.log"));
      }
    }
    Path deb;
    try (var files = Files.list(download)) {
      deb =
          files
              .filter(p -> p.getFileName().toString().endsWith(".deb"))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("apt-get download left no .deb"));
    }
    if (run(download, "dpkg-deb", "-x", deb.toString(), root.toString()) != 0) {
      throw new IllegalStateException("dpkg-deb -x " + deb + " failed");
    }
  }

  private static boolean allIn(Path dir, String... executables) {
    return Arrays.stream(executables).allMatch(e -> Files.isExecutable(dir.resolve(e)));
  }

  private static int run(Path dir, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("apt.log").toFile()))
            .start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
