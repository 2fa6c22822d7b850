package dev.concierge.cli;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ClientAuthentication;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cert add|update} options of client-certificate authentication (mutual TLS) for the
 * certificate's SNI names: the mode and the PEM bundle of CAs client certificates must chain to. On
 * update, what is not given keeps its stored value.
 */
final class ClientAuthOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(
      names = "--client-auth",
      paramLabel = "MODE",
      converter = ModeConverter.class,
      description =
          "Ask TLS clients of this certificate's names for a client certificate: optional (none is"
              + " fine, one that does not verify is refused) or required (needs --client-ca).")
  ClientAuthentication.@Nullable Mode mode;

  @Option(
      names = "--client-ca",
      paramLabel = "FILE",
      description = "PEM bundle of the CA certificates client certificates must chain to.")
  @Nullable Path caFile;

  @Option(names = "--no-client-auth", description = "Stop asking for client certificates (update).")
  boolean none;

  /** Whether any option was given. */
  boolean given() {
    return mode != null || caFile != null || none;
  }

  /**
   * Sets the client authentication for {@code cert add} (both options or neither), naming it in
   * {@code mask}.
   */
  void applyToNew(Certificate.Builder cert, FieldMask.Builder mask) {
    if (none) {
      throw usage(
          "--no-client-auth is for cert update; cert add without --client-auth asks for no"
              + " client certificate");
    }
    if (mode == null && caFile == null) {
      return;
    }
    if (mode == null) {
      throw usage("--client-ca needs --client-auth optional|required");
    }
    if (caFile == null) {
      throw usage("--client-auth needs --client-ca FILE (the CAs client certificates chain to)");
    }
    cert.setClientAuthentication(
        ClientAuthentication.newBuilder().setMode(mode).setCaBundle(readBundle(caFile)));
    mask.addPaths("client_authentication");
  }

  /** Checks the combination before anything is sent (update), reading the bundle file. */
  @Nullable String readForUpdate() {
    if (none && (mode != null || caFile != null)) {
      throw usage("--no-client-auth cannot be combined with --client-auth or --client-ca");
    }
    return caFile == null ? null : readBundle(caFile);
  }

  /**
   * The client authentication after {@code cert update}: null to clear it, else what was given
   * applied onto {@code current}'s (an unset one needs both options).
   *
   * @param bundle the bundle read by {@link #readForUpdate}, or null
   * @throws CommandFailure when only one option was given and the certificate has no client
   *     authentication to take the other from
   */
  @Nullable ClientAuthentication applyTo(Certificate current, @Nullable String bundle) {
    if (none) {
      return null;
    }
    ClientAuthentication.Builder auth = current.getClientAuthentication().toBuilder();
    if (!current.hasClientAuthentication() && (mode == null || bundle == null)) {
      throw new CommandFailure(
          "certificate \""
              + ResourceCommand.id(current.getName())
              + "\" has no client authentication yet: give both --client-auth"
              + " optional|required and --client-ca FILE");
    }
    if (mode != null) {
      auth.setMode(mode);
    }
    if (bundle != null) {
      auth.setCaBundle(bundle);
    }
    return auth.build();
  }

  private String readBundle(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw usage("--client-ca " + file + ": no such file");
    } catch (IOException e) {
      throw usage("--client-ca " + file + ": cannot read (" + e.getMessage() + ")");
    }
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw usage("--client-ca " + file + ": not a PEM file of CERTIFICATE blocks");
    }
    return text;
  }

  private ParameterException usage(String message) {
    return new ParameterException(command.commandLine(), message);
  }

  /** How {@code cert get} shows it: the mode and the CAs' subjects, never the PEM. */
  static List<String> describe(Certificate cert) {
    List<String> lines = new ArrayList<>();
    if (!cert.hasClientAuthentication()) {
      lines.add("client authentication: none");
      return lines;
    }
    ClientAuthentication auth = cert.getClientAuthentication();
    lines.add("client authentication: " + EnumChoices.name(auth.getMode()));
    for (String subject : subjects(auth.getCaBundle())) {
      lines.add("  client CA: " + subject);
    }
    return lines;
  }

  /** The subjects (RFC 2253) of a PEM bundle's certificates; a line saying so when unreadable. */
  static List<String> subjects(String pem) {
    List<String> subjects = new ArrayList<>();
    try {
      for (java.security.cert.Certificate c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        subjects.add(
            ((X509Certificate) c).getSubjectX500Principal().getName(X500Principal.RFC2253));
      }
    } catch (CertificateException e) {
      subjects.add("(the CA bundle cannot be read: " + e.getMessage() + ")");
    }
    return subjects;
  }

  /** Parses {@code --client-auth}: {@code optional} or {@code required}. */
  static final class ModeConverter extends EnumChoices.Converter<ClientAuthentication.Mode> {
    ModeConverter() {
      super(
          "a client authentication mode",
          List.of(ClientAuthentication.Mode.OPTIONAL, ClientAuthentication.Mode.REQUIRED));
    }
  }
}
