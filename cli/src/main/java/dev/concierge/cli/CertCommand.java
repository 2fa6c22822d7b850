package dev.concierge.cli;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.FieldMask;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.AcmeManaged;
import dev.concierge.api.v1.AcmeStatus;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ClientAuthentication;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.DeleteCertificateRequest;
import dev.concierge.api.v1.GetCertificateRequest;
import dev.concierge.api.v1.ListCertificatesRequest;
import dev.concierge.api.v1.ListCertificatesResponse;
import dev.concierge.api.v1.RenewCertificateRequest;
import dev.concierge.api.v1.UpdateCertificateRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code concierge cert add|list|get|update|delete|renew}: TLS certificates, given as PEM files or
 * managed by ACME ({@code add NAME --acme --name HOST}). The private key is read from its file and
 * sent; it is never printed (the control plane never returns it).
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

  @Command(
      name = "add",
      description =
          "Add a certificate chain and its private key (PEM files), or one the control plane"
              + " obtains and renews by ACME (--acme --name HOST ...).")
  int add(
      @Parameters(paramLabel = "NAME", description = "Certificate id, e.g. example-com.")
          String typedName,
      @Mixin KeyPair keyPair,
      @Mixin Acme acme,
      @Mixin ClientAuthOptions clientAuth,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.CERTIFICATE, "add", typedName);
    Certificate.Builder cert = Certificate.newBuilder().setName(name);
    if (acme.acme) {
      if (keyPair.certFile != null || keyPair.keyFile != null) {
        throw usage("add", "--acme gets the chain and key from the ACME server: no --cert/--key");
      }
      if (acme.names.isEmpty()) {
        throw usage("add", "Missing required option with --acme: '--name=HOST'");
      }
      cert.setAcme(AcmeManaged.newBuilder().addAllNames(acme.names));
    } else if (!acme.names.isEmpty()) {
      throw usage("add", "--name goes with --acme");
    } else if (keyPair.certFile == null || keyPair.keyFile == null) {
      throw usage("add", "Missing required options: '--cert=FILE', '--key=FILE' (or --acme)");
    }
    keyPair.applyTo(cert, description, FieldMask.newBuilder());
    clientAuth.applyToNew(cert, FieldMask.newBuilder());
    return create(RPCS, cert.build(), validateOnly, "added");
  }

  @Command(
      name = "renew",
      description =
          "Order an ACME-managed certificate again now; it stays served until the new one"
              + " replaces it (see cert list).")
  int renew(
      @Parameters(paramLabel = "NAME", description = "Certificate id or full name.")
          String typedName) {
    String name = name(Names.CERTIFICATE, "renew", typedName);
    Certificate renewed =
        withoutKey(
            withClient(
                c ->
                    c.call(
                        s ->
                            s.renewCertificate(
                                RenewCertificateRequest.newBuilder().setName(name).build()))));
    printer().changed(renewed, "certificate \"" + id(name) + "\" renewal requested");
    return 0;
  }

  /** {@code --acme} and {@code --name}: a certificate the control plane orders by ACME. */
  static final class Acme {
    @Option(
        names = "--acme",
        description =
            "Have the control plane obtain and renew this certificate from its ACME server"
                + " (HTTP-01, answered by every node on its HTTP port).")
    boolean acme;

    @Option(
        names = "--name",
        paramLabel = "HOST",
        description = "A DNS name the ACME certificate covers (with --acme; repeatable).")
    List<String> names = new ArrayList<>();
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
    return show(
        RPCS,
        typedName,
        certs ->
            out -> {
              table(certs).accept(out);
              certs.forEach(c -> ClientAuthOptions.describe(c).forEach(out::println));
            });
  }

  @Command(name = "update", description = "Replace a certificate's chain and key together.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Certificate id or full name.")
          String typedName,
      @Mixin KeyPair keyPair,
      @Mixin ClientAuthOptions clientAuth,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.Etag etag,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.CERTIFICATE, "update", typedName);
    if ((keyPair.certFile == null) != (keyPair.keyFile == null)) {
      throw usage("update", "--cert and --key must be given together");
    }
    if (keyPair.certFile == null
        && (keyPair.passphraseFile != null || keyPair.passphrase != null)) {
      throw usage("update", "--key-passphrase-file and --key-passphrase go with --cert and --key");
    }
    if (keyPair.certFile == null
        && !description.given()
        && keyPair.defaultCertificate == null
        && !clientAuth.given()) {
      throw usage(
          "update",
          "nothing to update: give --cert and --key, --description, --[no-]default,"
              + " --client-auth, --client-ca or --no-client-auth");
    }
    // The files are read before anything is sent: a bad one is a usage error, whatever the server.
    Certificate.Builder cert = Certificate.newBuilder().setName(name);
    FieldMask.Builder paths = FieldMask.newBuilder();
    keyPair.applyTo(cert, description, paths);
    String clientCas = clientAuth.readForUpdate();
    return update(
        RPCS,
        name,
        (current, mask) -> {
          mask.mergeFrom(paths.build());
          if (clientAuth.given()) {
            ClientAuthentication auth = clientAuth.applyTo(current, clientCas);
            if (auth == null) {
              cert.clearClientAuthentication();
            } else {
              cert.setClientAuthentication(auth);
            }
            mask.addPaths("client_authentication");
          }
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
        description =
            "PEM private key of the leaf: PKCS#8, PKCS#1 RSA, SEC1 EC, or encrypted PKCS#8 with a"
                + " passphrase (update: needs --cert).")
    @Nullable Path keyFile;

    // Never a plain option value: it would end up in shell history and the process list.
    @Option(
        names = "--key-passphrase-file",
        paramLabel = "FILE",
        description = "File whose first line is the passphrase of an encrypted --key.")
    @Nullable Path passphraseFile;

    @Option(
        names = "--key-passphrase",
        interactive = true,
        description = "Prompt for the passphrase of an encrypted --key (typed without echo).")
    char @Nullable [] passphrase;

    @Option(
        names = "--default",
        negatable = true,
        description =
            "Serve this certificate to clients without SNI or with an unknown name (at most one"
                + " certificate is the default); --no-default clears it.")
    @Nullable Boolean defaultCertificate;

    /**
     * Sets the pair with its passphrase, the description and the default flag (each when given),
     * naming them in the mask.
     */
    void applyTo(
        Certificate.Builder cert, ResourceOptions.Description description, FieldMask.Builder mask) {
      if (passphraseFile != null && passphrase != null) {
        throw usage("give --key-passphrase-file or --key-passphrase, not both");
      }
      if (certFile != null) {
        // add and update refuse --cert without --key before they get here.
        Path key = requireNonNull(keyFile, "--key comes with --cert");
        cert.setCertificateChain(readPem("--cert", certFile)).setPrivateKey(readPem("--key", key));
        mask.addPaths("certificate_chain").addPaths("private_key");
        String secret = passphrase();
        if (!secret.isEmpty()) {
          cert.setPrivateKeyPassphrase(secret);
          mask.addPaths("private_key_passphrase");
        }
      } else if (passphraseFile != null || passphrase != null) {
        throw usage("--key-passphrase-file and --key-passphrase go with --cert and --key");
      }
      if (description.given()) {
        cert.setDescription(description.value);
        mask.addPaths("description");
      }
      if (defaultCertificate != null) {
        cert.setDefaultCertificate(defaultCertificate);
        mask.addPaths("default_certificate");
      }
    }

    /** The passphrase from its file (first line) or the prompt; empty when neither was given. */
    private String passphrase() {
      if (passphrase != null) {
        String typed = new String(passphrase);
        java.util.Arrays.fill(passphrase, '\0');
        if (typed.isEmpty()) {
          throw usage("--key-passphrase: nothing was typed");
        }
        return typed;
      }
      if (passphraseFile == null) {
        return "";
      }
      String text;
      try {
        text = Files.readString(passphraseFile);
      } catch (NoSuchFileException e) {
        throw usage("--key-passphrase-file " + passphraseFile + ": no such file");
      } catch (IOException e) {
        throw usage(
            "--key-passphrase-file " + passphraseFile + ": cannot read (" + e.getMessage() + ")");
      }
      String line = text.lines().findFirst().orElse("");
      if (line.isEmpty()) {
        throw usage("--key-passphrase-file " + passphraseFile + ": the first line is empty");
      }
      return line;
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

  /** The answer as printed: never with a private key or passphrase, even if one was sent. */
  private static Certificate withoutKey(Certificate cert) {
    return cert.toBuilder().clearPrivateKey().clearPrivateKeyPassphrase().build();
  }

  private static final int NODE_IDS_SHOWN = 3;

  Consumer<PrintWriter> table(List<Certificate> certs) {
    Instant now = root.clock().instant();
    return out -> {
      Table t =
          Table.of(
              "NAME",
              "DNS-NAMES",
              "ISSUER",
              "NOT-AFTER",
              "DAYS-LEFT",
              "KEY",
              "SHA-256",
              "DEFAULT",
              "NODES",
              "EXPIRY");
      for (Certificate c : certs) {
        String fp = c.getFingerprintSha256();
        Instant notAfter = ProtoTime.instant(c.getNotAfter());
        boolean expired = c.hasNotAfter() && notAfter.isBefore(now);
        List<String> nodes = c.getServingNodesList();
        t.row(
            id(c.getName()),
            String.join(",", c.getDnsNamesList()),
            commonName(c.getIssuer()),
            time(c.getNotAfter()),
            !c.hasNotAfter()
                ? ""
                : expired ? "expired" : Long.toString(Duration.between(now, notAfter).toDays()),
            c.getKeyType(),
            fp.length() > 16 ? fp.substring(0, 16) : fp,
            c.getDefaultCertificate() ? "yes" : "",
            nodes.isEmpty()
                ? "0"
                : nodes.size() <= NODE_IDS_SHOWN
                    ? String.join(",", nodes)
                    : nodes.size() + " nodes",
            expiry(c, expired));
      }
      t.print(out);
      for (Certificate c : certs) {
        AcmeStatus acme = c.getAcmeStatus();
        if (c.hasAcme() && acme.getState() == AcmeStatus.State.FAILED) {
          out.println(
              id(c.getName())
                  + ": ACME failed at "
                  + time(acme.getLastAttemptTime())
                  + " ("
                  + acme.getFailures()
                  + (acme.getFailures() == 1 ? " failure" : " failures in a row")
                  + ", next try "
                  + time(acme.getNextRenewalTime())
                  + "): "
                  + acme.getLastError());
        }
      }
    };
  }

  /**
   * The EXPIRY column: EXPIRED, EXPIRING or ok, and for an ACME-managed certificate its ACME state
   * when that is not simply issued (ACME-FAILED, acme-pending, acme-ordering).
   */
  private static String expiry(Certificate c, boolean expired) {
    String validity = expired ? "EXPIRED" : c.getExpiring() ? "EXPIRING" : "ok";
    if (!c.hasAcme()) {
      return validity;
    }
    AcmeStatus.State state = c.getAcmeStatus().getState();
    String acme =
        switch (state) {
          case ISSUED -> "acme";
          case FAILED -> "ACME-FAILED";
          default -> "acme-" + state.name().toLowerCase(Locale.ROOT);
        };
    return c.getCertificateChain().isEmpty() ? acme : validity + "," + acme;
  }

  /** The CN of an RFC 2253 name, else the whole name. */
  static String commonName(String rfc2253) {
    try {
      List<Rdn> rdns = new LdapName(rfc2253).getRdns();
      // LdapName lists RDNs right to left; the leftmost CN is the one people read first.
      for (int i = rdns.size() - 1; i >= 0; i--) {
        if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
          return String.valueOf(rdns.get(i).getValue());
        }
      }
    } catch (InvalidNameException e) {
      return rfc2253;
    }
    return rfc2253;
  }
}
