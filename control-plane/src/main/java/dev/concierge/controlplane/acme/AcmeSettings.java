package dev.concierge.controlplane.acme;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the control plane orders certificates.
 *
 * @param directory the ACME server's directory URL
 * @param email the account's contact address, empty for none
 * @param caFile PEM certificates to trust for the ACME server's HTTPS besides the system's (a
 *     private or test ACME server)
 */
public record AcmeSettings(URI directory, String email, Optional<Path> caFile) {
  public AcmeSettings {
    requireNonNull(directory, "directory");
    requireNonNull(email, "email");
    requireNonNull(caFile, "caFile");
  }
}
