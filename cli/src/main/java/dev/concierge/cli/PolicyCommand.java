package dev.concierge.cli;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.ConnectionLimits;
import dev.concierge.api.v1.Cors;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.DeletePolicyRequest;
import dev.concierge.api.v1.GetPolicyRequest;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.api.v1.ListPoliciesRequest;
import dev.concierge.api.v1.ListPoliciesResponse;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.api.v1.UpdatePolicyRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code concierge policy create|list|get|update|delete}: edge policies, written once and applied
 * by the routes that name them ({@code route create --policy}) or by all of them ({@code
 * --fleet-default}). The first kind is the IP access list.
 */
@Command(
    name = "policy",
    description =
        "Manage edge policies (IP access lists, rate limits, CORS, API keys, Basic), applied"
            + " by routes or"
            + " fleet-wide.")
final class PolicyCommand extends ResourceCommand implements Callable<Integer> {

  /** Blocks listed one by one in {@code get}; longer lists are counted. */
  private static final int LISTED = 20;

  static final Rpcs<Policy> RPCS =
      new Rpcs<>(
          Names.POLICY,
          (s, name) -> s.getPolicy(GetPolicyRequest.newBuilder().setName(name).build()),
          (s, policy, validateOnly) ->
              s.createPolicy(
                  CreatePolicyRequest.newBuilder()
                      .setPolicyId(id(policy.getName()))
                      .setPolicy(policy)
                      .setValidateOnly(validateOnly)
                      .build()),
          (s, policy, mask, validateOnly) ->
              s.updatePolicy(
                  UpdatePolicyRequest.newBuilder()
                      .setPolicy(policy)
                      .setUpdateMask(mask)
                      .setValidateOnly(validateOnly)
                      .build()),
          (s, name, etag) ->
              s.deletePolicy(DeletePolicyRequest.newBuilder().setName(name).setEtag(etag).build()));

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(
      name = "create",
      description = {
        "Create an IP access list policy, or with --cors-origin a CORS policy, or with"
            + " --jwt-issuer a JWT policy.",
        "A client in a --deny block is answered 403; with --allow blocks, so is a client in none"
            + " of them (deny wins)."
      })
  int create(
      @Parameters(paramLabel = "NAME", description = "Policy id, e.g. office or policies/office.")
          String typedName,
      @Mixin Options options,
      @Mixin RateLimitOptions rateLimit,
      @Mixin CorsOptions cors,
      @Mixin ConsumerAuthOptions auth,
      @Mixin JwtAuthOptions jwt,
      @Mixin ConnectionLimitsOptions limits,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.POLICY, "create", typedName);
    boolean ipAccess = options.givesAllow() || options.givesDeny() || options.source != null;
    if ((ipAccess ? 1 : 0)
            + (rateLimit.given() ? 1 : 0)
            + (cors.given() ? 1 : 0)
            + (auth.given() ? 1 : 0)
            + (jwt.given() ? 1 : 0)
            + (limits.given() ? 1 : 0)
        > 1) {
      throw usage(
          "create",
          "a policy is one kind: IP access options, a rate limit (--rate), --cors-* or --jwt-*"
              + " options");
    }
    if (rateLimit.given() && rateLimit.rate == null) {
      throw usage("create", "Missing required option: '--rate=N/UNIT'");
    }
    if (options.noAllow || options.noDeny) {
      throw usage("create", "--no-allow and --no-deny only apply to update");
    }
    String authProblem = auth.given() ? auth.problem(Policy.getDefaultInstance()) : null;
    if (authProblem != null) {
      throw usage("create", authProblem);
    }
    if (!options.givesAllow()
        && !options.givesDeny()
        && !rateLimit.given()
        && !cors.given()
        && !auth.given()
        && !jwt.given()
        && !limits.given()) {
      throw usage(
          "create",
          "Missing required option: '--allow=CIDR' or '--deny=CIDR' (or '--rate=N/UNIT', or"
              + " '--cors-origin=ORIGIN', or '--jwt-issuer=ISS', or"
              + " '--max-connections-per-address=N' and the other connection limits)");
    }
    Policy.Builder policy = Policy.newBuilder().setName(name);
    if (rateLimit.given()) {
      policy.setRateLimit(rateLimit.applyTo(RateLimit.getDefaultInstance()));
    }
    options.applyTo(policy, IpAccessList.getDefaultInstance(), description, FieldMask.newBuilder());
    cors.applyTo(policy, Cors.getDefaultInstance(), FieldMask.newBuilder());
    auth.applyTo(policy, Policy.getDefaultInstance(), FieldMask.newBuilder());
    jwt.applyTo(policy, JwtAuth.getDefaultInstance(), FieldMask.newBuilder());
    limits.applyTo(policy, ConnectionLimits.getDefaultInstance(), FieldMask.newBuilder());
    return create(RPCS, policy.build(), validateOnly, "created");
  }

  @Command(name = "list", description = "List policies.")
  int list() {
    List<Policy> all =
        listAll(
            (s, token) ->
                s.listPolicies(ListPoliciesRequest.newBuilder().setPageToken(token).build()),
            ListPoliciesResponse::getPoliciesList,
            ListPoliciesResponse::getNextPageToken);
    printer().list(all, table(all));
    return 0;
  }

  @Command(name = "get", description = "Show one policy.")
  int get(
      @Parameters(paramLabel = "NAME", description = "Policy id or full name.") String typedName) {
    return show(RPCS, typedName, PolicyCommand::details);
  }

  @Command(name = "update", description = "Change a policy; only the parts given are replaced.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Policy id or full name.") String typedName,
      @Mixin Options options,
      @Mixin RateLimitOptions rateLimit,
      @Mixin CorsOptions cors,
      @Mixin ConsumerAuthOptions auth,
      @Mixin JwtAuthOptions jwt,
      @Mixin ConnectionLimitsOptions limits,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.Etag etag,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.POLICY, "update", typedName);
    if ((options.noAllow && options.givesAllow()) || (options.noDeny && options.givesDeny())) {
      throw usage("update", "--no-allow (--no-deny) cannot be combined with --allow (--deny)");
    }
    if (!options.given()
        && !rateLimit.given()
        && !description.given()
        && !cors.given()
        && !auth.given()
        && !jwt.given()
        && !limits.given()) {
      throw usage(
          "update",
          "nothing to update: give --allow, --allow-file, --no-allow, --deny, --deny-file,"
              + " --no-deny, --source, --rate, --burst, --key, --dry-run, --cors-*, --jwt-*,"
              + " --max-*,"
              + " --fleet-default or --description");
    }
    return update(
        RPCS,
        name,
        (current, mask) -> {
          Policy.Builder policy = Policy.newBuilder().setName(name);
          options.applyTo(policy, current.getIpAccess(), description, mask);
          if (rateLimit.given()) {
            policy.setRateLimit(rateLimit.applyTo(current.getRateLimit()));
            mask.addPaths("rate_limit");
          }
          cors.applyTo(policy, current.getCors(), mask);
          String authProblem = auth.given() ? auth.problem(current) : null;
          if (authProblem != null) {
            throw usage("update", authProblem);
          }
          auth.applyTo(policy, current, mask);
          jwt.applyTo(policy, current.getJwtAuth(), mask);
          limits.applyTo(policy, current.getConnectionLimits(), mask);
          return policy.build();
        },
        etag,
        validateOnly);
  }

  @Command(name = "delete", description = "Delete a policy that no route names.")
  int delete(
      @Parameters(paramLabel = "NAME", description = "Policy id or full name.") String typedName,
      @Mixin ResourceOptions.Etag etag) {
    return remove(RPCS, typedName, etag);
  }

  /** What an IP access list policy is made of, for create and update; only what is given. */
  static final class Options {
    @Option(
        names = "--allow",
        paramLabel = "CIDR",
        description =
            "Admit only clients in these blocks, e.g. 10.0.0.0/8 or 2001:db8::/32; repeat for"
                + " more (update: replaces the allow list).")
    @Nullable List<String> allow;

    @Option(
        names = "--allow-file",
        paramLabel = "FILE",
        description =
            "Allow blocks from a file, one per line (blank lines and # comments skipped); adds to"
                + " --allow.")
    @Nullable Path allowFile;

    @Option(names = "--no-allow", description = "Drop the allow list (update).")
    boolean noAllow;

    @Option(
        names = "--deny",
        paramLabel = "CIDR",
        description =
            "Refuse clients in these blocks (deny wins over allow); repeat for more (update:"
                + " replaces the deny list).")
    @Nullable List<String> deny;

    @Option(
        names = "--deny-file",
        paramLabel = "FILE",
        description = "Deny blocks from a file, as --allow-file; adds to --deny.")
    @Nullable Path denyFile;

    @Option(names = "--no-deny", description = "Drop the deny list (update).")
    boolean noDeny;

    @Option(
        names = "--source",
        paramLabel = "ADDRESS",
        converter = SourceConverter.class,
        description =
            "Which address is judged: client (default: the peer, or behind the node's"
                + " --trusted-proxy the X-Forwarded-For client) or peer (the connection's peer,"
                + " e.g. to admit only a CDN).")
    IpAccessList.@Nullable Source source;

    @Option(
        names = "--fleet-default",
        paramLabel = "BOOL",
        arity = "0..1",
        fallbackValue = "true",
        description =
            "Apply the policy to every route, besides the routes' own policies (default false).")
    @Nullable Boolean fleetDefault;

    boolean givesAllow() {
      return (allow != null && !allow.isEmpty()) || allowFile != null;
    }

    boolean givesDeny() {
      return (deny != null && !deny.isEmpty()) || denyFile != null;
    }

    boolean given() {
      return givesAllow()
          || givesDeny()
          || noAllow
          || noDeny
          || source != null
          || fleetDefault != null;
    }

    /**
     * Sets what was given on {@code policy}, the lists onto {@code current}'s, and names it in
     * {@code mask}.
     */
    void applyTo(
        Policy.Builder policy,
        IpAccessList current,
        ResourceOptions.Description description,
        FieldMask.Builder mask) {
      if (givesAllow() || givesDeny() || noAllow || noDeny || source != null) {
        IpAccessList.Builder list = current.toBuilder();
        if (givesAllow() || noAllow) {
          list.clearAllow().addAllAllow(blocks(allow, allowFile, "--allow-file"));
        }
        if (givesDeny() || noDeny) {
          list.clearDeny().addAllDeny(blocks(deny, denyFile, "--deny-file"));
        }
        if (source != null) {
          list.setSource(source);
        }
        policy.setIpAccess(list);
        mask.addPaths("ip_access");
      }
      if (fleetDefault != null) {
        policy.setFleetDefault(fleetDefault);
        mask.addPaths("fleet_default");
      }
      if (description.given()) {
        policy.setDescription(description.value);
        mask.addPaths("description");
      }
    }

    /** The blocks given on the command line, then those of the file. */
    private static List<String> blocks(
        @Nullable List<String> given, @Nullable Path file, String option) {
      List<String> blocks = new ArrayList<>();
      if (given != null) {
        given.forEach(b -> blocks.add(b.strip()));
      }
      if (file != null) {
        try {
          blocks.addAll(CidrFiles.read(file));
        } catch (NoSuchFileException e) {
          throw new CommandFailure(option + " " + file + ": no such file", e);
        } catch (IOException e) {
          throw new CommandFailure(
              option + " " + file + ": cannot read (" + e.getMessage() + ")", e);
        }
      }
      return blocks;
    }
  }

  /** The KIND column: the policy's kind as the CLI spells it. */
  static String kind(Policy p) {
    return switch (p.getKindCase()) {
      case IP_ACCESS -> "ip-access";
      case RATE_LIMIT -> "rate-limit";
      case CORS -> "cors";
      case KEY_AUTH -> "key-auth";
      case BASIC_AUTH -> "basic-auth";
      case JWT_AUTH -> "jwt";
      case CONNECTION_LIMITS -> "connection-limits";
      case KIND_NOT_SET -> "";
    };
  }

  static Consumer<PrintWriter> table(List<Policy> policies) {
    return out -> {
      Table t = Table.of("NAME", "KIND", "ALLOW", "DENY", "SOURCE", "FLEET DEFAULT", "ETAG");
      for (Policy p : policies) {
        IpAccessList list = p.getIpAccess();
        t.row(
            id(p.getName()),
            kind(p),
            count(list.getAllowList()),
            count(list.getDenyList()),
            p.hasIpAccess() ? source(list.getSource()) : "",
            p.getFleetDefault() ? "yes" : "no",
            p.getEtag());
      }
      t.print(out);
    };
  }

  /** {@code get}: the table, then the blocks (counted beyond {@value #LISTED}). */
  static Consumer<PrintWriter> details(List<Policy> policies) {
    return out -> {
      table(policies).accept(out);
      for (Policy p : policies) {
        if (!p.getDescription().isEmpty()) {
          out.println("description: " + p.getDescription());
        }
        if (p.hasRateLimit()) {
          out.println(RateLimitOptions.describe(p.getRateLimit()));
        }
        blocks(out, "allow", p.getIpAccess().getAllowList());
        blocks(out, "deny", p.getIpAccess().getDenyList());
        CorsOptions.print(out, p);
        ConsumerAuthOptions.print(out, p);
        JwtAuthOptions.print(out, p);
        ConnectionLimitsOptions.print(out, p);
      }
    };
  }

  private static void blocks(PrintWriter out, String list, List<String> blocks) {
    if (blocks.isEmpty()) {
      return;
    }
    out.println(
        list
            + ": "
            + (blocks.size() <= LISTED
                ? String.join(", ", blocks)
                : blocks.size() + " blocks (concierge get policies shows them all)"));
  }

  /** {@code -} for none, the count otherwise: a list may hold 100,000 blocks. */
  private static String count(List<String> blocks) {
    return blocks.isEmpty() ? "-" : blocks.size() == 1 ? blocks.get(0) : blocks.size() + " blocks";
  }

  static String source(IpAccessList.Source source) {
    return source == IpAccessList.Source.PEER ? "peer" : "client";
  }

  /** Parses {@code --source}: {@code client} or {@code peer}. */
  static final class SourceConverter extends EnumChoices.Converter<IpAccessList.Source> {
    SourceConverter() {
      super("an address source", List.of(IpAccessList.Source.CLIENT, IpAccessList.Source.PEER));
    }
  }
}
