package dev.concierge.cli;

import picocli.CommandLine.Option;

/** The ports a data-plane node listens on; shared by {@code data-plane} and {@code quickstart}. */
final class NodePorts {
  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      defaultValue = "8080",
      description = "Proxy HTTP port (default ${DEFAULT-VALUE}).")
  int http;

  @Option(
      names = "--https-port",
      paramLabel = "PORT",
      defaultValue = "8443",
      description =
          "Proxy HTTPS port, serving the control plane's certificates by SNI (default"
              + " ${DEFAULT-VALUE}; -1: no HTTPS listener).")
  int https;

  @Option(
      names = "--admin-port",
      paramLabel = "PORT",
      defaultValue = "9901",
      description = "Node admin port: /ready, /config, /stats (default ${DEFAULT-VALUE}).")
  int admin;
}
