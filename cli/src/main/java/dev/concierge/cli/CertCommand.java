package dev.concierge.cli;

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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code concierge cert add|list|get|update|delete}: TLS certificates. The private key is read from
 * its file and sent; it is never printed (the control plane never returns it).
 */
@Command(name = "cert", description = "Manage TLS certificates.")
final class CertCommand extends ResourceCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(name = "add", description = "Add a certificate chain and its private key (PEM files).")
  int add(
      @Parameters(paramLabel = "NAME", description = "Certificate id, e.g. example-com.")
          String typedName,
      @Option(
              names = "--cert",
              required = true,
              paramLabel = "FILE",
              description = "PEM chain: the leaf first, then intermediates.")
          Path certFile,
      @Option(
              names = "--key",
              required = true,
              paramLabel = "FILE",
              description = "PEM private key of the leaf.")
          Path keyFile,
      @Option(
              names = "--description",
              paramLabel = "TEXT",
              description = "Free text for people (at most 256 characters).")
          String description) {
    String name = name(Names.CERTIFICATE, "add", typedName);
    Certificate.Builder cert =
        Certificate.newBuilder()
            .setName(name)
            .setCertificateChain(readPem("add", "--cert", certFile))
            .setPrivateKey(readPem("add", "--key", keyFile));
    if (description != null) {
      cert.setDescription(description);
    }
    Certificate created =
        withClient(
            c ->
                c.call(
                    s ->
                        s.createCertificate(
                            CreateCertificateRequest.newBuilder()
                                .setCertificateId(id(name))
                                .setCertificate(cert)
                                .build())));
    printer()
        .changed(
            created.toBuilder().clearPrivateKey().build(),
            "certificate \"" + id(name) + "\" added" + etagSuffix(created.getEtag()));
    return 0;
  }

  @Command(name = "list", description = "List certificates.")
  int list() {
    List<Certificate> all = withClient(c -> allPages(
        token -> c.call(s -> s.listCertificates(
            ListCertificatesRequest.newBuilder().setPageToken(token).build())),
        ListCertificatesResponse::getCertificatesList,
        ListCertificatesResponse::getNextPageToken)).stream()
        .map(cert -> cert.toBuilder().clearPrivateKey().build()) // never shown, even if sent
        .toList();
    printer().list(all, table(all));
    return 0;
  }

  @Command(name = "get", description = "Show one certificate.")
  int get(
      @Parameters(paramLabel = "NAME", description = "Certificate id or full name.")
          String typedName) {
    String name = name(Names.CERTIFICATE, "get", typedName);
    Certificate cert =
        withClient(
                c ->
                    c.call(
                        s ->
                            s.getCertificate(
                                GetCertificateRequest.newBuilder().setName(name).build())))
            .toBuilder()
            .clearPrivateKey()
            .build();
    printer().one(cert, table(List.of(cert)));
    return 0;
  }

  @Command(name = "update", description = "Replace a certificate's chain and key together.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Certificate id or full name.")
          String typedName,
      @Option(names = "--cert", paramLabel = "FILE", description = "New PEM chain; needs --key.")
          Path certFile,
      @Option(
              names = "--key",
              paramLabel = "FILE",
              description = "New PEM private key; needs --cert.")
          Path keyFile,
      @Option(
              names = "--description",
              paramLabel = "TEXT",
              description = "Free text for people (at most 256 characters).")
          String description) {
    String name = name(Names.CERTIFICATE, "update", typedName);
    if ((certFile == null) != (keyFile == null)) {
      throw usage("update", "--cert and --key must be given together");
    }
    if (certFile == null && description == null) {
      throw usage("update", "nothing to update: give --cert and --key, or --description");
    }
    Certificate.Builder cert = Certificate.newBuilder().setName(name);
    FieldMask.Builder mask = FieldMask.newBuilder();
    if (certFile != null) {
      cert.setCertificateChain(readPem("update", "--cert", certFile))
          .setPrivateKey(readPem("update", "--key", keyFile));
      mask.addPaths("certificate_chain").addPaths("private_key");
    }
    if (description != null) {
      cert.setDescription(description);
      mask.addPaths("description");
    }
    Certificate updated =
        withClient(
            c -> {
              Certificate current =
                  c.call(
                      s ->
                          s.getCertificate(
                              GetCertificateRequest.newBuilder().setName(name).build()));
              cert.setEtag(current.getEtag());
              return c.call(
                  s ->
                      s.updateCertificate(
                          UpdateCertificateRequest.newBuilder()
                              .setCertificate(cert)
                              .setUpdateMask(mask)
                              .build()));
            });
    printer()
        .changed(
            updated.toBuilder().clearPrivateKey().build(),
            "certificate \"" + id(name) + "\" updated" + etagSuffix(updated.getEtag()));
    return 0;
  }

  @Command(name = "delete", description = "Delete a certificate.")
  int delete(
      @Parameters(paramLabel = "NAME", description = "Certificate id or full name.")
          String typedName) {
    String name = name(Names.CERTIFICATE, "delete", typedName);
    withClient(
        c ->
            c.call(
                s ->
                    s.deleteCertificate(
                        DeleteCertificateRequest.newBuilder().setName(name).build())));
    printer().deleted(name, "certificate \"" + id(name) + "\" deleted");
    return 0;
  }

  private String readPem(String sub, String option, Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw usage(sub, option + " " + file + ": no such file");
    } catch (IOException e) {
      throw usage(sub, option + " " + file + ": cannot read (" + e.getMessage() + ")");
    }
    if (!text.contains("-----BEGIN ")) {
      throw usage(sub, option + " " + file + ": not a PEM file");
    }
    return text;
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
