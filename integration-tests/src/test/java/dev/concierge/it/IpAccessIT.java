package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.UpdatePolicyRequest;
import dev.concierge.dataplane.DataPlaneServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IP access list policies through real nodes, over IPv4 loopback (a node on 127.0.0.1) and IPv6
 * loopback (a node on ::1): 403 for a denied block, 200 for an allowed one, an update taking
 * effect, and a fleet default on a route that names no policy.
 */
class IpAccessIT {
  private static final byte[] IPV6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer v4;
  private DataPlaneServer v6;

  @BeforeEach
  void setUp() throws Exception {
    Assumptions.assumeTrue(ipv6Loopback(), "this machine has no IPv6 loopback (::1)");
    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 0);
    v4 = fleet.startNode("v4");
    v6 = fleet.startNode("v6", b -> b.bindAddress("::1"));
    fleet.createCluster("app", backend);
    createPolicy(
        "loopback", IpAccessList.newBuilder().addAllow("127.0.0.1/32").addAllow("::1/128"), false);
    createPolicy("no-v4", IpAccessList.newBuilder().addDeny("127.0.0.0/8"), false);
    createPolicy("no-v6", IpAccessList.newBuilder().addDeny("::1/128"), false);
    fleet.createRoute("allowed", withPolicy("/allowed", "loopback"));
    fleet.createRoute("denied4", withPolicy("/denied4", "no-v4"));
    fleet.createRoute("denied6", withPolicy("/denied6", "no-v6"));
    fleet.createRoute("open", "/open", "app");
    fleet.awaitSynced();
  }

  @AfterEach
  void tearDown() {
    if (fleet != null) {
      fleet.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  /** Whether a socket can be bound on ::1. */
  private static boolean ipv6Loopback() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByAddress(IPV6_LOOPBACK))) {
      return socket.getLocalPort() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  private void createPolicy(String id, IpAccessList.Builder list, boolean fleetDefault) {
    fleet
        .api()
        .createPolicy(
            CreatePolicyRequest.newBuilder()
                .setPolicyId(id)
                .setPolicy(Policy.newBuilder().setIpAccess(list).setFleetDefault(fleetDefault))
                .build());
  }

  private static dev.concierge.api.v1.Route withPolicy(String path, String policy) {
    return Fleet.routeTo(path, "app").toBuilder().addPolicies("policies/" + policy).build();
  }

  private HttpResponse<String> overV4(String path) {
    return Http.get(v4.httpPort(), path);
  }

  private HttpResponse<String> overV6(String path) {
    return Http.send(
        HttpRequest.newBuilder(URI.create("http://[::1]:" + v6.httpPort() + path)).GET());
  }

  @Test
  void deniedBlocksGet403AndAllowedOnes200OverBothLoopbacks() {
    int before = backend.requests();
    assertThat(overV4("/denied4").statusCode()).isEqualTo(403);
    assertThat(overV6("/denied6").statusCode()).isEqualTo(403);
    assertThat(backend.requests()).as("refused requests never reach the backend").isEqualTo(before);

    assertThat(overV4("/allowed").statusCode()).isEqualTo(200);
    assertThat(overV6("/allowed").statusCode()).isEqualTo(200);
    assertThat(overV4("/allowed").body()).isEqualTo("app");

    HttpResponse<String> denied = overV4("/denied4");
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body()).startsWith("forbidden: client address 127.0.0.1 is not allowed\n");
    assertThat(denied.headers().firstValue("X-Request-Id")).isPresent();
    assertThat(overV6("/denied4").statusCode()).isEqualTo(200);

    HttpResponse<String> denied6 = overV6("/denied6");
    assertThat(denied6.statusCode()).isEqualTo(403);
    // The address as the access log writes it (Jetty's form of ::1).
    assertThat(denied6.body())
        .startsWith("forbidden: client address [0:0:0:0:0:0:0:1] is not allowed\n");
    assertThat(overV4("/denied6").statusCode()).isEqualTo(200);
  }

  @Test
  void aPolicyUpdateTakesEffect() {
    assertThat(overV4("/allowed").statusCode()).isEqualTo(200);
    fleet
        .api()
        .updatePolicy(
            UpdatePolicyRequest.newBuilder()
                .setPolicy(
                    Policy.newBuilder()
                        .setName("policies/loopback")
                        .setIpAccess(IpAccessList.newBuilder().addAllow("::1/128")))
                .setUpdateMask(FieldMask.newBuilder().addPaths("ip_access"))
                .build());
    fleet.awaitSynced();
    assertThat(overV4("/allowed").statusCode()).isEqualTo(403);
    assertThat(overV6("/allowed").statusCode()).isEqualTo(200);
  }

  @Test
  void aFleetDefaultAppliesToARouteWithoutPolicies() {
    assertThat(overV4("/open").statusCode()).isEqualTo(200);
    createPolicy("fleet-no-v4", IpAccessList.newBuilder().addDeny("127.0.0.0/8"), true);
    fleet.awaitSynced();
    await().atMost(Duration.ofSeconds(10)).until(() -> overV4("/open").statusCode() == 403);
    assertThat(overV6("/open").statusCode()).isEqualTo(200);
    // A route's own allow list does not lift the fleet default: both must admit.
    assertThat(overV4("/allowed").statusCode()).isEqualTo(403);
    assertThat(overV6("/allowed").statusCode()).isEqualTo(200);

    fleet
        .api()
        .updatePolicy(
            UpdatePolicyRequest.newBuilder()
                .setPolicy(
                    Policy.newBuilder().setName("policies/fleet-no-v4").setFleetDefault(false))
                .setUpdateMask(FieldMask.newBuilder().addPaths("fleet_default"))
                .build());
    fleet.awaitSynced();
    assertThat(overV4("/open").statusCode()).isEqualTo(200);
  }
}
