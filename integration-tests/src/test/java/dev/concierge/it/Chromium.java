package dev.concierge.it;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.File;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's Chromium and chromedriver for browser tests: installed with {@code apt-get} (as root, as
 * on the developers' machines and CI) when missing, once per machine under a file lock that other
 * test JVMs wait on, and started headless with every browser log line kept.
 */
final class Chromium {
  static final Path BROWSER = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path LOCK =
      Path.of(System.getProperty("java.io.tmpdir"), "concierge-chromium-install.lock");
  private static final Path LOG = Path.of("target", "chromium-apt.log").toAbsolutePath();
  private static final List<String> INSTALL =
      List.of(
          "apt-get",
          "-o",
          "DPkg::Lock::Timeout=300",
          "install",
          "-y",
          "--no-install-recommends",
          "chromium",
          "chromium-driver");

  private Chromium() {}

  /** Installs chromium and chromium-driver unless both are there. */
  static synchronized void ensureInstalled() throws Exception {
    if (installed()) {
      return;
    }
    Files.createDirectories(LOG.getParent());
    try (FileChannel channel = FileChannel.open(LOCK, CREATE, WRITE);
        FileLock lock = channel.lock()) {
      if (installed() || !lock.isValid()) {
        return;
      }
      if (run(INSTALL) != 0) {
        // A fresh machine may have no package lists yet.
        run(List.of("apt-get", "update"));
        if (run(INSTALL) != 0) {
          throw new IllegalStateException(
              "cannot install Debian's chromium and chromium-driver; see " + LOG);
        }
      }
    }
    if (!installed()) {
      throw new IllegalStateException("apt-get installed no " + BROWSER + " or " + DRIVER);
    }
  }

  private static boolean installed() {
    return Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
  }

  private static int run(List<String> command) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(LOG.toFile()));
    builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process p = builder.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  /** A headless Chromium, driven by Debian's chromedriver, keeping every console message. */
  static ChromeDriver start(int width, int height) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    options.addArguments(
        "--headless=new",
        // Root in a container: Chromium's sandbox needs user namespaces it may not get.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--window-size=" + width + "," + height);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(DRIVER.toString()))
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, options);
  }
}
