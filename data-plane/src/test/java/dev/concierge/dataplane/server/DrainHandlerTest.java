package dev.concierge.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DrainHandlerTest {
  private final BlockingQueue<Runnable> held = new LinkedBlockingQueue<>();
  private Server server;
  private LocalConnector connector;
  private DrainHandler drain;

  @BeforeEach
  void setUp() throws Exception {
    server = new Server();
    connector = new LocalConnector(server);
    server.addConnector(connector);
    drain =
        new DrainHandler(
            new Handler.Abstract.NonBlocking() {
              @Override
              public boolean handle(Request request, Response response, Callback callback) {
                // Answers only when the test says so: a request in flight.
                held.add(
                    () -> {
                      response.setStatus(HttpStatus.OK_200);
                      response.write(true, BufferUtil.toBuffer("done"), callback);
                    });
                return true;
              }
            });
    server.setHandler(drain);
    server.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    server.stop();
  }

  private LocalConnector.LocalEndPoint send() {
    LocalConnector.LocalEndPoint endPoint = connector.connect();
    endPoint.addInputAndExecute(BufferUtil.toBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    return endPoint;
  }

  @Test
  void shutdownWaitsForRequestsInFlightAndStillServesLateOnes() throws Exception {
    LocalConnector.LocalEndPoint first = send();
    Runnable answerFirst = held.poll(5, TimeUnit.SECONDS);
    assertThat(answerFirst).isNotNull();
    assertThat(drain.inFlight()).isOne();

    CompletableFuture<Void> drained = drain.shutdown();
    assertThat(drained).isNotDone();
    // A request arriving while draining is served, not refused with 503.
    LocalConnector.LocalEndPoint late = send();
    Runnable answerLate = held.poll(5, TimeUnit.SECONDS);
    assertThat(answerLate).isNotNull();
    assertThat(drain.inFlight()).isEqualTo(2);

    answerFirst.run();
    assertThat(first.getResponse()).startsWith("HTTP/1.1 200").endsWith("done");
    assertThat(drained).isNotDone();
    answerLate.run();
    assertThat(late.getResponse()).startsWith("HTTP/1.1 200");
    drained.get(5, TimeUnit.SECONDS);
    assertThat(drain.inFlight()).isZero();
  }

  @Test
  void shutdownWithNothingInFlightIsDoneAtOnce() {
    assertThat(drain.shutdown()).isDone();
  }
}
