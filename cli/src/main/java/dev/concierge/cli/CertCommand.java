package dev.concierge.cli;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.DeleteCertificateRequest;
import dev.concierge.api.v1.GetCertificateRequest;
import dev.concierge.api.v1.ListCertificatesRequest;
import dev.concierge.api.v1.ListCertificatesResponse;
import dev.concierge.api.v1.UpdateCertificateRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code concierge cert add|list|get|update|delete}: TLS certificates. The private key is read from
 * its file and sent; it is never printed (the control plane never returns it).
 */
@Command(name = "cert", description = "Manage TLS certificates.")
final class CertCommand extends ResourceCommand implements Callable<Integer> {

  static final Rpcs<Certificate> RPCS =
      new Rpcs<>(
          Names.CERTIFICATE,
          (s, name) ->
              withoutKey(
                  s.getCertificate(GetCertificateRequest.newBuilder().setName(name).build())),
          (s, cert, validateOnly) ->
              withoutKey(
                  s.createCertificate(
                      CreateCertificateRequest.newBuilder()
                          .setCertificateId(id(cert.getName()))
                          .setCertificate(cert)
                          .setValidateOnly(validateOnly)
                          .build())),
          (s, cert, mask, validateOnly) ->
              withoutKey(
                  s.updateCertificate(
                      UpdateCertificateRequest.newBuilder()
                          .setCertificate(cert)
                          .setUpdateMask(mask)
                          .setValidateOnly(validateOnly)
                          .build())),
          (s, name, etag) ->
              s.deleteCertificate(
                  DeleteCertificateRequest.newBuilder().setName(name).setEtag(etag).build()));

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(name = "add", description = "Add a certificate chain and its private key (PEM files).")
  int add(
      @Parameters(paramLabel = "NAME", description = "Certificate id, e.g. example-com.")
          String typedName,
      @Mixin KeyPair keyPair,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.CERTIFICATE, "add", typedName);
    if (keyPair.certFile == null || keyPair.keyFile == null) {
      throw usage("add", "Missing required options: '--cert=FILE', '--key=FILE'");
    }
    Certificate.Builder cert = Certificate.newBuilder().setName(name);
    keyPair.applyTo(cert, description, FieldMask.newBuilder());
    return create(RPCS, cert.build(), validateOnly, "added");
  }

  @Command(name = "list", description = "List certificates.")
  int list() {
    List<Certificate> all =
        listAll(
                (s, token) ->
                    s.listCertificates(
                        ListCertificatesRequest.newBuilder().setPageToken(token).build()),
                ListCertificatesResponse::getCertificatesList,
                ListCertificatesResponse::getNextPageToken)
            .stream()
            .map(CertCommand::withoutKey)
            .toList();
    printer().list(all, table(all));
    return 0;
  }

  @Command(name = "get", description = "Show one certificate.")
  int get(
      @Parameters(paramLabel = "NAME", description = "Certificate id or full name.")
          String typedName) {
    return show(RPCS, typedName, CertCommand::table);
  }

  @Command(name = "update", description = "Replace a certificate's chain and key together.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Certificate id or full name.")
          String typedName,
      @Mixin KeyPair keyPair,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.Etag etag,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.CERTIFICATE, "update", typedName);
    if ((keyPair.certFile == null) != (keyPair.keyFile == null)) {
      throw usage("update", "--cert and --key must be given together");
    }
    if (keyPair.certFile == null && !description.given()) {
      throw usage("update", "nothing to update: give --cert and --key, or --description");
    }
    // The files are read before anything is sent: a bad one is a usage error, whatever the server.
    Certificate.Builder cert = Certificate.newBuilder().setName(name);
    FieldMask.Builder paths = FieldMask.newBuilder();
    keyPair.applyTo(cert, description, paths);
    return update(
        RPCS,
        name,
        (current, mask) -> {
          mask.mergeFrom(paths.build());
          return cert.build();
        },
        etag,
        validateOnly);
  }

  @Command(name = "delete", description = "Delete a certificate.")
  int delete(
      @Parameters(paramLabel = "NAME", description = "Certificate id or full name.")
          String typedName,
      @Mixin ResourceOptions.Etag etag) {
    return remove(RPCS, typedName, etag);
  }

  /** {@code --cert} and {@code --key}: the PEM files of a chain and its key, for add and update. */
  static final class KeyPair {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
        names = "--cert",
        paramLabel = "FILE",
        description = "PEM chain: the leaf first, then intermediates (update: needs --key).")
    @Nullable Path certFile;

    @Option(
        names = "--key",
        paramLabel = "FILE",
        description = "PEM private key of the leaf (update: needs --cert).")
    @Nullable Path keyFile;

    /** Sets the pair (when given) and the description (when given), naming them in the mask. */
    void applyTo(
        Certificate.Builder cert, ResourceOptions.Description description, FieldMask.Builder mask) {
      if (certFile != null) {
        // add and update refuse --cert without --key before they get here.
        Path key = requireNonNull(keyFile, "--key comes with --cert");
        cert.setCertificateChain(readPem("--cert", certFile)).setPrivateKey(readPem("--key", key));
        mask.addPaths("certificate_chain").addPaths("private_key");
      }
      if (description.given()) {
        cert.setDescription(description.value);
        mask.addPaths("description");
      }
    }

    private String readPem(String option, Path file) {
      String text;
      try {
        text = Files.readString(file);
      } catch (NoSuchFileException e) {
        throw usage(option + " " + file + ": no such file");
      } catch (IOException e) {
        throw usage(option + " " + file + ": cannot read (" + e.getMessage() + ")");
      }
      if (!text.contains("-----BEGIN ")) {
        throw usage(option + " " + file + ": not a PEM file");
      }
      return text;
    }

    private ParameterException usage(String message) {
      return new ParameterException(command.commandLine(), message);
    }
  }

  /** The answer as printed: never with a private key, even if one was sent. */
  private static Certificate withoutKey(Certificate cert) {
    return cert.toBuilder().clearPrivateKey().build();
  }

  static Consumer<PrintWriter> table(List<Certificate> certs) {
    return out -> {
      Table t = Table.of("NAME", "DNS-NAMES", "NOT-AFTER", "FINGERPRINT");
      for (Certificate c : certs) {
        String fp = c.getFingerprintSha256();
        t.row(
            id(c.getName()),
            String.join(",", c.getDnsNamesList()),
            time(c.getNotAfter()),
            fp.length() > 16 ? fp.substring(0, 16) : fp);
      }
      t.print(out);
    };
  }
}
