package dev.concierge.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Set;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Process entry point of {@code concierge.jar}. */
public final class Main {

  private static final Set<String> SERVER_COMMANDS =
      Set.of("control-plane", "data-plane", "quickstart");

  private Main() {}

  public static void main(String[] args) {
    // Management commands print nothing but their output; only the servers log (logback.xml).
    if (System.getProperty("concierge.log.level") == null
        && List.of(args).stream().noneMatch(SERVER_COMMANDS::contains)) {
      System.setProperty("concierge.log.level", "OFF");
    }
    // gRPC and others log through java.util.logging: route it into the same logback output.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Charset cs = Charset.defaultCharset();
    PrintWriter out = new PrintWriter(System.out, true, cs);
    PrintWriter err = new PrintWriter(System.err, true, cs);
    System.exit(ConciergeCommand.run(args, System.getenv(), out, err));
  }
}
