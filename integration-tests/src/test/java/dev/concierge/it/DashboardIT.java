package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.CreateTokenRequest;
import dev.concierge.api.v1.TokenRole;
import dev.concierge.dataplane.DataPlaneServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The web dashboard in a real headless Chromium: a read-only token signs in, sees both nodes, the
 * route and its chart rise with traffic, the endpoint health per node, the history with a diff and
 * no rollback button; and the browser logs no error on the way.
 */
class DashboardIT {
  private static final int REQUESTS_PER_NODE = 40;
  private static final Path SCREENSHOT = Path.of("target", "dashboard.png");

  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;
  private ChromeDriver browser;

  @BeforeAll
  static void installChromium() throws Exception {
    Chromium.ensureInstalled();
  }

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 0, controlPlane -> controlPlane.httpPort(0));
    for (String id : List.of("node-1", "node-2")) {
      fleet.startNode(id, node -> node.reportInterval(Duration.ofSeconds(1)));
    }
    fleet.createCluster("app", backend);
    fleet.createRoute("app", "/", "app");
    fleet.awaitSynced();
    browser = Chromium.start(1440, 1000);
  }

  @AfterEach
  void tearDown() {
    if (browser != null) {
      browser.quit();
    }
    fleet.close();
    backend.close();
  }

  private String readOnlyToken() {
    return fleet
        .api()
        .createToken(
            CreateTokenRequest.newBuilder()
                .setName("viewer")
                .setRole(TokenRole.TOKEN_ROLE_READ_ONLY)
                .build())
        .getSecret();
  }

  private WebElement awaitElement(String css) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> browser.findElement(By.cssSelector(css)), WebElement::isDisplayed);
  }

  private void sendTraffic() {
    for (DataPlaneServer node : fleet.nodes()) {
      for (int i = 0; i < REQUESTS_PER_NODE; i++) {
        assertThat(Http.bodyOrStatus(node.httpPort(), "/r" + i)).isEqualTo("app");
      }
    }
  }

  @Test
  void aReadOnlyTokenSeesTheFleetAndTheRoutesChartRisesWithTraffic() throws Exception {
    signIn(readOnlyToken());

    assertThat(awaitElement("#who-role").getText()).isEqualTo("read-only");
    for (String node : List.of("node-1", "node-2")) {
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(
              () ->
                  browser
                      .findElement(By.id("node-" + node))
                      .getAttribute("data-status")
                      .equals("SYNCED"));
    }

    browser.findElement(By.id("tab-routes")).click();
    WebElement route = awaitElement("#route-app");
    assertThat(route.getText()).contains("/* → app");
    assertThat(Double.parseDouble(route.getAttribute("data-peak-rps"))).isZero();

    sendTraffic();

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> Double.parseDouble(route.getAttribute("data-peak-rps")) > 0);
    assertThat(route.findElements(By.cssSelector("canvas"))).hasSize(3);
    Files.copy(
        browser.getScreenshotAs(OutputType.FILE).toPath(),
        SCREENSHOT,
        StandardCopyOption.REPLACE_EXISTING);

    browser.findElement(By.id("tab-clusters")).click();
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(
            () ->
                browser.findElements(By.cssSelector("#cluster-app td[data-state='HEALTHY']")).size()
                    == 2);

    browser.findElement(By.id("tab-history")).click();
    awaitElement("#revision-2").click();
    awaitElement("#diff [data-resource='routes/app']");
    assertThat(browser.findElements(By.cssSelector("button.rollback"))).isEmpty();

    assertNoConsoleErrors();
  }

  @Test
  void anAdminTokenRollsBackOnlyAfterConfirming() {
    signIn(fleet.controlPlane().adminToken());
    assertThat(awaitElement("#who-role").getText()).isEqualTo("admin");
    browser.findElement(By.id("tab-history")).click();

    // Revision 1 made the cluster, 2 the route: rolling back to 1 drops the route.
    awaitElement("#rollback-1").click();
    assertThat(awaitElement("#confirm-rollback").getText()).contains("r1");
    browser.findElement(By.id("rollback-cancel")).click();
    assertThat(browser.findElement(By.id("confirm-rollback")).isDisplayed()).isFalse();
    assertThat(fleet.controlPlane().revision()).isEqualTo(2);

    awaitElement("#rollback-1").click();
    awaitElement("#rollback-confirm").click();

    await().atMost(Duration.ofSeconds(10)).until(() -> fleet.controlPlane().revision() == 3);
    awaitElement("#revision-3");
    assertThat(browser.findElement(By.id("diff")).getText()).contains("r3 restores r1");
    assertNoConsoleErrors();
  }

  private void signIn(String token) {
    browser.get("http://127.0.0.1:" + fleet.controlPlane().httpPort() + "/");
    awaitElement("#token").sendKeys(token);
    browser.findElement(By.id("sign-in-button")).click();
  }

  private void assertNoConsoleErrors() {
    List<LogEntry> severe =
        browser.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
            .toList();
    assertThat(severe).as("browser console errors").isEmpty();
  }
}
