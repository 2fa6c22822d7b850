package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import com.google.protobuf.util.FieldMaskUtil;
import com.google.protobuf.Timestamp;
import com.google.rpc.Code;
import com.google.rpc.PreconditionFailure;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DeleteCertificateRequest;
import dev.concierge.api.v1.DeleteClusterRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.GetCertificateRequest;
import dev.concierge.api.v1.GetClusterRequest;
import dev.concierge.api.v1.GetRouteRequest;
import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.ListCertificatesRequest;
import dev.concierge.api.v1.ListCertificatesResponse;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ListClustersResponse;
import dev.concierge.api.v1.ListNodesRequest;
import dev.concierge.api.v1.ListNodesResponse;
import dev.concierge.api.v1.ListRoutesRequest;
import dev.concierge.api.v1.ListRoutesResponse;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.UpdateCertificateRequest;
import dev.concierge.api.v1.UpdateClusterRequest;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.controlplane.crypto.KeyCipher;
import dev.concierge.controlplane.crypto.ParsedCertificate;
import dev.concierge.controlplane.fleet.NodeRegistry;
import dev.concierge.controlplane.fleet.NodeReportingService;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.Page;
import dev.concierge.controlplane.store.ResourceKind;
import dev.concierge.controlplane.store.StoreException;
import dev.concierge.controlplane.store.StoredCertificate;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ManagementService: validates every request (all violations at once), writes through the store,
 * and never returns a private key. Thread-safe.
 */
public final class ManagementService extends ManagementServiceGrpc.ManagementServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ManagementService.class);

  /** Recorded in history; the admin token names no one more precisely. */
  static final String ACTOR = "admin";

  private static final int UPDATE_ATTEMPTS = 3;

  private static final Set<String> CERTIFICATE_MASK =
      Set.of("description", "certificate_chain", "private_key");

  private final ConfigStore store;
  private final KeyCipher cipher;
  private final NodeRegistry registry;
  private final NodeReportingService reporting;
  private final LongSupplier newestRevision;
  private final PlainResource<Cluster> clusters;
  private final PlainResource<Route> routes;

  public ManagementService(
      ConfigStore store,
      KeyCipher cipher,
      NodeRegistry registry,
      NodeReportingService reporting,
      LongSupplier newestRevision) {
    this.store = requireNonNull(store, "store");
    this.cipher = requireNonNull(cipher, "cipher");
    this.registry = requireNonNull(registry, "registry");
    this.reporting = requireNonNull(reporting, "reporting");
    this.newestRevision = requireNonNull(newestRevision, "newestRevision");
    this.clusters = new PlainResource<>(
        ResourceKind.CLUSTER,
        "cluster",
        Set.of("description", "endpoints", "lb_policy", "connect_timeout"),
        UnaryOperator.identity(),
        (cluster, violations) -> ClusterValidator.validate(cluster, "cluster", violations),
        store::getCluster,
        cluster -> store.createCluster(cluster, ACTOR),
        (cluster, etag) -> store.updateCluster(cluster, etag, ACTOR));
    this.routes = new PlainResource<>(
        ResourceKind.ROUTE,
        "route",
        Set.of("description", "match", "forward", "request_body"),
        RouteValidator::normalize,
        (route, violations) ->
            RouteValidator.validate(route, "route", this::clusterExists, violations),
        store::getRoute,
        route -> {
          try {
            return store.createRoute(route, ACTOR);
          } catch (StoreException e) {
            throw missingClusters(e, route);
          }
        },
        (route, etag) -> {
          try {
            return store.updateRoute(route, etag, ACTOR);
          } catch (StoreException e) {
            throw missingClusters(e, route);
          }
        });
  }

  // ---- clusters

  @Override
  public void createCluster(CreateClusterRequest request, StreamObserver<Cluster> out) {
    respond(out, () -> create(clusters, request.getClusterId(), request.getCluster(),
        request.getValidateOnly()));
  }

  @Override
  public void getCluster(GetClusterRequest request, StreamObserver<Cluster> out) {
    respond(
        out,
        () ->
            found(
                ResourceKind.CLUSTER,
                request.getName(),
                store.getCluster(checkedName(ResourceKind.CLUSTER, request.getName()))));
  }

  @Override
  public void listClusters(ListClustersRequest request, StreamObserver<ListClustersResponse> out) {
    respond(
        out,
        () -> {
          Page<Cluster> page = store.listClusters(request.getPageSize(), request.getPageToken());
          return ListClustersResponse.newBuilder()
              .addAllClusters(page.items())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void updateCluster(UpdateClusterRequest request, StreamObserver<Cluster> out) {
    respond(out, () -> update(clusters, request.getCluster(), request.getUpdateMask(),
        request.getValidateOnly()));
  }

  @Override
  public void deleteCluster(DeleteClusterRequest request, StreamObserver<Empty> out) {
    respond(
        out,
        () -> {
          store.deleteCluster(
              checkedName(ResourceKind.CLUSTER, request.getName()), request.getEtag(), ACTOR);
          return Empty.getDefaultInstance();
        });
  }

  /** Create for a kind without secrets: named, normalised, validated (all violations), stored. */
  private <T extends Message> T create(
      PlainResource<T> type, String id, T requested, boolean validateOnly) {
    FieldViolations violations = new FieldViolations();
    String name = ResourceNames.forCreate(type.kind(), id, type.name(requested),
        type.field() + "_id", type.field() + ".name", violations);
    T resource = type.normalize().apply(type.requested(requested, name));
    type.validate().accept(resource, violations);
    violations.throwIfAny(type.field(), name);
    if (validateOnly) {
      requireAbsent(type.kind(), name, type.read().apply(name));
      return resource;
    }
    return type.create().apply(resource);
  }

  /**
   * Masked update for a kind without secrets: the masked fields of {@code in} replace those of
   * the stored version, the result is normalised and validated, and written if the etag (the
   * client's, or the one read) still holds; retried on a concurrent write when the client gave
   * no etag.
   */
  private <T extends Message> T update(
      PlainResource<T> type, T in, FieldMask mask, boolean validateOnly) {
    String name = type.name(in);
    String etag = type.etag(in);
    FieldViolations violations = new FieldViolations();
    ResourceNames.checkName(type.kind(), name, type.field() + ".name", violations);
    Set<String> paths = maskPaths(mask, type.mask(), violations);
    violations.throwIfAny(type.field(), name);
    return retryingMerge(etag, () -> {
      T existing = found(type.kind(), name, type.read().apply(name));
      Message.Builder merged = existing.toBuilder();
      mergeMasked(paths, in, merged);
      @SuppressWarnings("unchecked") // a message's builder builds the same type
      T resource = type.normalize().apply((T) merged.build());
      FieldViolations invalid = new FieldViolations();
      type.validate().accept(resource, invalid);
      invalid.throwIfAny(type.field(), name);
      if (validateOnly) {
        checkEtag(type.kind(), name, etag, type.etag(existing));
        return resource;
      }
      return type.update().apply(resource, etagOr(etag, type.etag(existing)));
    });
  }

  // An update replaces each masked field whole: an unset message clears it, a repeated field is
  // replaced rather than appended to (AIP-134).
  private static final FieldMaskUtil.MergeOptions REPLACE =
      new FieldMaskUtil.MergeOptions()
          .setReplaceMessageFields(true)
          .setReplaceRepeatedFields(true)
          .setReplacePrimitiveFields(true);

  /** Copies the top-level fields named by {@code paths} (already checked) from {@code in}. */
  private static void mergeMasked(Set<String> paths, Message in, Message.Builder target) {
    FieldMaskUtil.merge(FieldMask.newBuilder().addAllPaths(paths).build(), in, target, REPLACE);
  }

  // ---- routes

  @Override
  public void createRoute(CreateRouteRequest request, StreamObserver<Route> out) {
    respond(out, () -> create(routes, request.getRouteId(), request.getRoute(),
        request.getValidateOnly()));
  }

  @Override
  public void getRoute(GetRouteRequest request, StreamObserver<Route> out) {
    respond(
        out,
        () ->
            found(
                ResourceKind.ROUTE,
                request.getName(),
                store.getRoute(checkedName(ResourceKind.ROUTE, request.getName()))));
  }

  @Override
  public void listRoutes(ListRoutesRequest request, StreamObserver<ListRoutesResponse> out) {
    respond(
        out,
        () -> {
          Page<Route> page = store.listRoutes(request.getPageSize(), request.getPageToken());
          return ListRoutesResponse.newBuilder()
              .addAllRoutes(page.items())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void updateRoute(UpdateRouteRequest request, StreamObserver<Route> out) {
    respond(out, () -> update(routes, request.getRoute(), request.getUpdateMask(),
        request.getValidateOnly()));
  }

  @Override
  public void deleteRoute(DeleteRouteRequest request, StreamObserver<Empty> out) {
    respond(
        out,
        () -> {
          store.deleteRoute(
              checkedName(ResourceKind.ROUTE, request.getName()), request.getEtag(), ACTOR);
          return Empty.getDefaultInstance();
        });
  }

  // ---- certificates

  @Override
  public void createCertificate(CreateCertificateRequest request, StreamObserver<Certificate> out) {
    respond(
        out,
        () -> {
          FieldViolations violations = new FieldViolations();
          String name =
              ResourceNames.forCreate(
                  ResourceKind.CERTIFICATE,
                  request.getCertificateId(),
                  request.getCertificate().getName(),
                  "certificate_id",
                  "certificate.name",
                  violations);
          Certificate in = clearOutputOnly(request.getCertificate());
          CertificateValidator.validateDescription(in, "certificate", violations);
          Optional<ParsedCertificate> parsed =
              CertificateValidator.validateKeyPair(in, "certificate", violations);
          violations.throwIfAny("certificate", name);
          Certificate spec =
              withDerived(in.toBuilder().setName(name).clearPrivateKey(), parsed.orElseThrow());
          if (request.getValidateOnly()) {
            requireAbsent(ResourceKind.CERTIFICATE, name, store.getCertificate(name));
            return spec;
          }
          return store.createCertificate(
              new StoredCertificate(spec, cipher.encrypt(in.getPrivateKey(), name)), ACTOR);
        });
  }

  @Override
  public void getCertificate(GetCertificateRequest request, StreamObserver<Certificate> out) {
    respond(
        out,
        () ->
            found(
                ResourceKind.CERTIFICATE,
                request.getName(),
                store.getCertificate(checkedName(ResourceKind.CERTIFICATE, request.getName()))));
  }

  @Override
  public void listCertificates(
      ListCertificatesRequest request, StreamObserver<ListCertificatesResponse> out) {
    respond(
        out,
        () -> {
          Page<Certificate> page =
              store.listCertificates(request.getPageSize(), request.getPageToken());
          return ListCertificatesResponse.newBuilder()
              .addAllCertificates(page.items())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void updateCertificate(UpdateCertificateRequest request, StreamObserver<Certificate> out) {
    respond(
        out,
        () -> {
          Certificate in = request.getCertificate();
          FieldViolations violations = new FieldViolations();
          ResourceNames.checkName(
              ResourceKind.CERTIFICATE, in.getName(), "certificate.name", violations);
          Set<String> paths = maskPaths(request.getUpdateMask(), CERTIFICATE_MASK, violations);
          if (paths.contains("certificate_chain") != paths.contains("private_key")) {
            violations.add(
                "update_mask", "certificate_chain and private_key are replaced together");
          }
          violations.throwIfAny("certificate", in.getName());
          boolean replaceKeyPair = paths.contains("certificate_chain");
          Optional<ParsedCertificate> parsed = Optional.empty();
          FieldViolations invalid = new FieldViolations();
          if (paths.contains("description")) {
            CertificateValidator.validateDescription(in, "certificate", invalid);
          }
          if (replaceKeyPair) {
            parsed = CertificateValidator.validateKeyPair(in, "certificate", invalid);
          }
          invalid.throwIfAny("certificate", in.getName());
          Optional<ParsedCertificate> newKeyPair = parsed;
          // Encrypted once, outside the retry loop: the same ciphertext serves every attempt.
          @Nullable String newCiphertext =
              replaceKeyPair ? cipher.encrypt(in.getPrivateKey(), in.getName()) : null;
          return retryingMerge(
              in.getEtag(),
              () -> {
                StoredCertificate existing =
                    found(
                        ResourceKind.CERTIFICATE,
                        in.getName(),
                        store.getStoredCertificate(in.getName()));
                Certificate.Builder merged = existing.certificate().toBuilder();
                if (paths.contains("description")) {
                  merged.setDescription(in.getDescription());
                }
                String ciphertext = existing.keyCiphertext();
                if (newKeyPair.isPresent()) {
                  merged.setCertificateChain(in.getCertificateChain());
                  withDerived(merged, newKeyPair.get());
                  // Present exactly when replaceKeyPair is.
                  ciphertext = requireNonNull(newCiphertext, "newCiphertext");
                }
                Certificate spec = merged.build();
                if (request.getValidateOnly()) {
                  checkEtag(
                      ResourceKind.CERTIFICATE,
                      in.getName(),
                      in.getEtag(),
                      existing.certificate().getEtag());
                  return spec;
                }
                return store.updateCertificate(
                    new StoredCertificate(spec, ciphertext),
                    etagOr(in.getEtag(), existing.certificate().getEtag()),
                    ACTOR);
              });
        });
  }

  @Override
  public void deleteCertificate(DeleteCertificateRequest request, StreamObserver<Empty> out) {
    respond(
        out,
        () -> {
          store.deleteCertificate(
              checkedName(ResourceKind.CERTIFICATE, request.getName()), request.getEtag(), ACTOR);
          return Empty.getDefaultInstance();
        });
  }

  // ---- fleet

  @Override
  public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> out) {
    respond(
        out,
        () -> {
          long revision = newestRevision.getAsLong();
          int size = Page.size(request.getPageSize());
          String after = Page.nameAfter(request.getPageToken(), "nodes/");
          List<Node> page = new ArrayList<>();
          String next = "";
          for (Node node : registry.list()) {
            if (node.getName().compareTo(after) <= 0) {
              continue;
            }
            if (page.size() == size) {
              next = Page.tokenAfter(page.get(page.size() - 1).getName());
              break;
            }
            page.add(node);
          }
          return ListNodesResponse.newBuilder()
              .addAllNodes(page)
              .setNextPageToken(next)
              .setRevision(revision)
              .build();
        });
  }

  @Override
  public void getStats(GetStatsRequest request, StreamObserver<Stats> out) {
    respond(out, reporting::stats);
  }

  // ---- helpers

  private boolean clusterExists(String name) {
    return store.getCluster(name).isPresent();
  }

  private static <T> T found(ResourceKind kind, String name, Optional<T> resource) {
    return resource.orElseThrow(
        () ->
            Status.NOT_FOUND
                .withDescription(kind.singular() + " \"" + name + "\" not found")
                .asRuntimeException());
  }

  private static void requireAbsent(ResourceKind kind, String name, Optional<?> existing) {
    if (existing.isPresent()) {
      throw Status.ALREADY_EXISTS
          .withDescription(kind.singular() + " \"" + name + "\" already exists")
          .asRuntimeException();
    }
  }

  private static String checkedName(ResourceKind kind, String name) {
    FieldViolations violations = new FieldViolations();
    ResourceNames.checkName(kind, name, "name", violations);
    if (!violations.isEmpty()) {
      throw violations.toException("invalid request");
    }
    return name;
  }

  private static void checkEtag(ResourceKind kind, String name, String given, String stored) {
    if (!given.isEmpty() && !given.equals(stored)) {
      throw Status.ABORTED
          .withDescription(
              kind.singular()
                  + " \""
                  + name
                  + "\" has changed: etag \""
                  + given
                  + "\" is stale, the current one is \""
                  + stored
                  + "\"")
          .asRuntimeException();
    }
  }

  private static String etagOr(String given, String read) {
    return given.isEmpty() ? read : given;
  }

  /**
   * Runs a read-merge-write. Without a client etag, the write is still guarded by the etag that was
   * read, and a concurrent change makes it merge again instead of overwriting that change.
   */
  private static <T> T retryingMerge(String clientEtag, Supplier<T> attempt) {
    for (int i = 1; ; i++) {
      try {
        return attempt.get();
      } catch (StoreException e) {
        if (e.reason() != StoreException.Reason.ETAG_MISMATCH
            || !clientEtag.isEmpty()
            || i == UPDATE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private static Set<String> maskPaths(
      FieldMask mask, Set<String> allowed, FieldViolations violations) {
    if (mask.getPathsCount() == 0) {
      return allowed;
    }
    Set<String> paths = new LinkedHashSet<>();
    for (String path : mask.getPathsList()) {
      if (allowed.contains(path)) {
        paths.add(path);
      } else {
        violations.add(
            "update_mask",
            "\""
                + path
                + "\" cannot be updated; allowed: "
                + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
    return paths;
  }

  /** Names the route's fields that refer to the missing clusters, when that is what failed. */
  private static RuntimeException missingClusters(StoreException e, Route route) {
    if (e.reason() != StoreException.Reason.MISSING_REFERENCE) {
      return e;
    }
    FieldViolations violations = new FieldViolations();
    for (int i = 0; i < route.getForward().getClustersCount(); i++) {
      String cluster = route.getForward().getClusters(i).getCluster();
      if (e.names().contains(cluster)) {
        violations.add(
            "route.forward.clusters[" + i + "].cluster", RouteValidator.missingCluster(cluster));
      }
    }
    return violations.toException("route", route.getName());
  }

  private static Certificate clearOutputOnly(Certificate c) {
    return c.toBuilder()
        .clearEtag()
        .clearCreateTime()
        .clearUpdateTime()
        .clearDnsNames()
        .clearNotBefore()
        .clearNotAfter()
        .clearFingerprintSha256()
        .build();
  }

  private static Certificate withDerived(Certificate.Builder b, ParsedCertificate parsed) {
    return b.clearDnsNames()
        .addAllDnsNames(parsed.dnsNames())
        .setNotBefore(timestamp(parsed.notBefore()))
        .setNotAfter(timestamp(parsed.notAfter()))
        .setFingerprintSha256(parsed.fingerprintSha256())
        .build();
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  private static <T> void respond(StreamObserver<T> out, Supplier<T> call) {
    T result;
    try {
      result = call.get();
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    } catch (StoreException e) {
      out.onError(toStatus(e));
      return;
    } catch (RuntimeException e) {
      log.error("management call failed", e);
      out.onError(
          Status.INTERNAL
              .withDescription("internal error: " + e.getClass().getSimpleName())
              .asRuntimeException());
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }

  private static StatusRuntimeException toStatus(StoreException e) {
    return switch (e.reason()) {
      case NOT_FOUND -> Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
      case ALREADY_EXISTS ->
          Status.ALREADY_EXISTS.withDescription(e.getMessage()).asRuntimeException();
      case ETAG_MISMATCH -> Status.ABORTED.withDescription(e.getMessage()).asRuntimeException();
      case IN_USE -> {
        PreconditionFailure.Builder failure = PreconditionFailure.newBuilder();
        for (String route : e.names()) {
          failure.addViolations(
              PreconditionFailure.Violation.newBuilder()
                  .setType("IN_USE")
                  .setSubject(route)
                  .setDescription(route + " forwards to this cluster; change or delete it first"));
        }
        yield StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(Code.FAILED_PRECONDITION_VALUE)
                .setMessage(e.getMessage())
                .addDetails(Any.pack(failure.build()))
                .build());
      }
      case MISSING_REFERENCE ->
          new FieldViolations().add("references", String.valueOf(e.getMessage())).toException("invalid request");
      case INVALID_PAGE_TOKEN ->
          new FieldViolations().add("page_token", String.valueOf(e.getMessage())).toException("invalid request");
      case INVALID_PAGE_SIZE ->
          new FieldViolations().add("page_size", String.valueOf(e.getMessage())).toException("invalid request");
      case UNAVAILABLE -> Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
    };
  }
}
