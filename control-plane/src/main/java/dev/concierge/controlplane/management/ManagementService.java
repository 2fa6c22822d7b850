package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Empty;
import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.AcmeStatus;
import dev.concierge.api.v1.ApplyRequest;
import dev.concierge.api.v1.ApplyResponse;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ClusterHealth;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreateConsumerKeyRequest;
import dev.concierge.api.v1.CreateConsumerKeyResponse;
import dev.concierge.api.v1.CreateConsumerRequest;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DeleteBasicCredentialRequest;
import dev.concierge.api.v1.DeleteCertificateRequest;
import dev.concierge.api.v1.DeleteClusterRequest;
import dev.concierge.api.v1.DeleteConsumerKeyRequest;
import dev.concierge.api.v1.DeleteConsumerRequest;
import dev.concierge.api.v1.DeletePolicyRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ExportConfigRequest;
import dev.concierge.api.v1.GetCertificateRequest;
import dev.concierge.api.v1.GetClusterHealthRequest;
import dev.concierge.api.v1.GetClusterRequest;
import dev.concierge.api.v1.GetConsumerRequest;
import dev.concierge.api.v1.GetPolicyRequest;
import dev.concierge.api.v1.GetRevisionRequest;
import dev.concierge.api.v1.GetRouteRequest;
import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.ListCertificatesRequest;
import dev.concierge.api.v1.ListCertificatesResponse;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ListClustersResponse;
import dev.concierge.api.v1.ListConsumersRequest;
import dev.concierge.api.v1.ListConsumersResponse;
import dev.concierge.api.v1.ListNodesRequest;
import dev.concierge.api.v1.ListNodesResponse;
import dev.concierge.api.v1.ListPoliciesRequest;
import dev.concierge.api.v1.ListPoliciesResponse;
import dev.concierge.api.v1.ListRevisionsRequest;
import dev.concierge.api.v1.ListRevisionsResponse;
import dev.concierge.api.v1.ListRoutesRequest;
import dev.concierge.api.v1.ListRoutesResponse;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RenewCertificateRequest;
import dev.concierge.api.v1.Revision;
import dev.concierge.api.v1.RollbackRequest;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.SetBasicCredentialRequest;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.UpdateCertificateRequest;
import dev.concierge.api.v1.UpdateClusterRequest;
import dev.concierge.api.v1.UpdateConsumerRequest;
import dev.concierge.api.v1.UpdatePolicyRequest;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.controlplane.acme.AcmeRenewals;
import dev.concierge.controlplane.auth.Caller;
import dev.concierge.controlplane.consumer.SealedCredentials;
import dev.concierge.controlplane.fleet.NodeRegistry;
import dev.concierge.controlplane.fleet.NodeReportingService;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.Page;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.StoreException;
import dev.concierge.controlplane.store.Stored;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ManagementService: a thin gRPC adapter over {@link ResourceFlow}, which validates every request
 * (all violations at once), pre-flights it and writes through the store; a private key is never
 * returned. Thread-safe.
 */
public final class ManagementService extends ManagementServiceGrpc.ManagementServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ManagementService.class);

  private final NodeRegistry registry;
  private final NodeReportingService reporting;
  private final LongSupplier newestRevision;
  private final ResourceFlow flow;
  private final ResourceType<Cluster> clusters;
  private final ResourceType<Route> routes;
  private final ResourceType<Certificate> certificates;
  private final ResourceType<Policy> policies;
  private final ResourceType<Consumer> consumers;
  private final ConsumerCredentialFlow consumerCredentials;
  private final CertificateOutput certificateOutput;
  private final ConfigApply apply;
  private final RevisionHistory history;
  private final Optional<AcmeRenewals> acme;

  /**
   * @param preflight the last check before a write: would the nodes still compile the config
   * @param clock what certificates must be valid at when written, and expiry is judged against
   * @param certExpiryWarning how long before its not_after a certificate is flagged as expiring
   */
  public ManagementService(
      ConfigStore store,
      KeyCipher cipher,
      NodeRegistry registry,
      NodeReportingService reporting,
      LongSupplier newestRevision,
      Preflight preflight,
      Clock clock,
      Duration certExpiryWarning) {
    this(
        store,
        cipher,
        registry,
        reporting,
        newestRevision,
        preflight,
        clock,
        certExpiryWarning,
        Optional.empty());
  }

  /**
   * @param preflight the last check before a write: would the nodes still compile the config
   * @param clock what certificates must be valid at when written, and expiry is judged against
   * @param certExpiryWarning how long before its not_after a certificate is flagged as expiring
   * @param acme orders ACME-managed certificates; without it they are refused
   */
  public ManagementService(
      ConfigStore store,
      KeyCipher cipher,
      NodeRegistry registry,
      NodeReportingService reporting,
      LongSupplier newestRevision,
      Preflight preflight,
      Clock clock,
      Duration certExpiryWarning,
      Optional<AcmeRenewals> acme) {
    requireNonNull(store, "store");
    this.acme = requireNonNull(acme, "acme");
    this.registry = requireNonNull(registry, "registry");
    this.reporting = requireNonNull(reporting, "reporting");
    this.newestRevision = requireNonNull(newestRevision, "newestRevision");
    this.flow = new ResourceFlow(store, preflight);
    this.clusters = ResourceTypes.clusters();
    this.routes =
        ResourceTypes.routes(
            name -> store.get(ResourceTable.CLUSTERS, name).isPresent(),
            name -> store.get(ResourceTable.POLICIES, name).isPresent());
    this.policies = ResourceTypes.policies();
    SealedCredentials sealed = new SealedCredentials(cipher);
    this.consumers = ResourceTypes.consumers(sealed);
    this.consumerCredentials = new ConsumerCredentialFlow(store, sealed, clock, new SecureRandom());
    this.certificates =
        ResourceTypes.certificates(
            cipher, clock, name -> otherDefault(store, name), acme.isPresent());
    this.certificateOutput =
        new CertificateOutput(clock, certExpiryWarning, registry::servingAtLeast);
    this.apply = new ConfigApply(store, cipher, clock, acme.isPresent());
    this.history = new RevisionHistory(store, certificates.outputOnly());
  }

  // ---- clusters

  @Override
  public void createCluster(CreateClusterRequest request, StreamObserver<Cluster> out) {
    respond(
        clusters,
        out,
        () ->
            flow.create(
                clusters, request.getClusterId(), request.getCluster(), request.getValidateOnly()));
  }

  @Override
  public void getCluster(GetClusterRequest request, StreamObserver<Cluster> out) {
    respond(clusters, out, () -> flow.get(clusters, request.getName()));
  }

  @Override
  public void listClusters(ListClustersRequest request, StreamObserver<ListClustersResponse> out) {
    respond(
        clusters,
        out,
        () -> {
          Page<Cluster> page = flow.list(clusters, request.getPageSize(), request.getPageToken());
          return ListClustersResponse.newBuilder()
              .addAllClusters(page.items())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void updateCluster(UpdateClusterRequest request, StreamObserver<Cluster> out) {
    respond(
        clusters,
        out,
        () ->
            flow.update(
                clusters,
                request.getCluster(),
                request.getUpdateMask(),
                request.getValidateOnly()));
  }

  @Override
  public void deleteCluster(DeleteClusterRequest request, StreamObserver<Empty> out) {
    respond(clusters, out, () -> deleted(clusters, request.getName(), request.getEtag()));
  }

  // ---- routes

  @Override
  public void createRoute(CreateRouteRequest request, StreamObserver<Route> out) {
    respond(
        routes,
        out,
        () ->
            flow.create(
                routes, request.getRouteId(), request.getRoute(), request.getValidateOnly()));
  }

  @Override
  public void getRoute(GetRouteRequest request, StreamObserver<Route> out) {
    respond(routes, out, () -> flow.get(routes, request.getName()));
  }

  @Override
  public void listRoutes(ListRoutesRequest request, StreamObserver<ListRoutesResponse> out) {
    respond(
        routes,
        out,
        () -> {
          Page<Route> page = flow.list(routes, request.getPageSize(), request.getPageToken());
          return ListRoutesResponse.newBuilder()
              .addAllRoutes(page.items())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void updateRoute(UpdateRouteRequest request, StreamObserver<Route> out) {
    respond(
        routes,
        out,
        () ->
            flow.update(
                routes, request.getRoute(), request.getUpdateMask(), request.getValidateOnly()));
  }

  @Override
  public void deleteRoute(DeleteRouteRequest request, StreamObserver<Empty> out) {
    respond(routes, out, () -> deleted(routes, request.getName(), request.getEtag()));
  }

  // ---- certificates

  @Override
  public void createCertificate(CreateCertificateRequest request, StreamObserver<Certificate> out) {
    respond(
        certificates,
        out,
        () ->
            certificateOutput.of(
                acmeWoken(
                    flow.create(
                        certificates,
                        request.getCertificateId(),
                        request.getCertificate(),
                        request.getValidateOnly()))));
  }

  @Override
  public void getCertificate(GetCertificateRequest request, StreamObserver<Certificate> out) {
    respond(
        certificates, out, () -> certificateOutput.of(flow.get(certificates, request.getName())));
  }

  @Override
  public void listCertificates(
      ListCertificatesRequest request, StreamObserver<ListCertificatesResponse> out) {
    respond(
        certificates,
        out,
        () -> {
          Page<Certificate> page =
              flow.list(certificates, request.getPageSize(), request.getPageToken());
          return ListCertificatesResponse.newBuilder()
              .addAllCertificates(page.items().stream().map(certificateOutput::of).toList())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void updateCertificate(UpdateCertificateRequest request, StreamObserver<Certificate> out) {
    respond(
        certificates,
        out,
        () ->
            certificateOutput.of(
                acmeWoken(
                    flow.update(
                        certificates,
                        request.getCertificate(),
                        request.getUpdateMask(),
                        request.getValidateOnly()))));
  }

  @Override
  public void renewCertificate(RenewCertificateRequest request, StreamObserver<Certificate> out) {
    respond(
        certificates,
        out,
        () -> {
          Certificate certificate = flow.get(certificates, request.getName());
          if (!certificate.hasAcme()) {
            throw Status.FAILED_PRECONDITION
                .withDescription(
                    request.getName()
                        + " is not managed by ACME: renew it with concierge cert update --cert"
                        + " --key")
                .asRuntimeException();
          }
          AcmeRenewals renewals =
              acme.orElseThrow(
                  () ->
                      Status.FAILED_PRECONDITION
                          .withDescription(
                              "this control plane has no ACME server: start it with"
                                  + " --acme-directory URL")
                          .asRuntimeException());
          return certificateOutput.of(renewals.requestRenewal(request.getName()));
        });
  }

  /** Has a pending ACME order looked at now rather than at the next check. */
  private Certificate acmeWoken(Certificate written) {
    if (written.hasAcme() && written.getAcmeStatus().getState() == AcmeStatus.State.PENDING) {
      acme.ifPresent(AcmeRenewals::wake);
    }
    return written;
  }

  @Override
  public void deleteCertificate(DeleteCertificateRequest request, StreamObserver<Empty> out) {
    respond(certificates, out, () -> deleted(certificates, request.getName(), request.getEtag()));
  }

  // ---- policies

  @Override
  public void createPolicy(CreatePolicyRequest request, StreamObserver<Policy> out) {
    respond(
        policies,
        out,
        () ->
            PolicySecrets.redact(
                flow.create(
                    policies,
                    request.getPolicyId(),
                    request.getPolicy(),
                    request.getValidateOnly())));
  }

  @Override
  public void getPolicy(GetPolicyRequest request, StreamObserver<Policy> out) {
    respond(policies, out, () -> PolicySecrets.redact(flow.get(policies, request.getName())));
  }

  @Override
  public void listPolicies(ListPoliciesRequest request, StreamObserver<ListPoliciesResponse> out) {
    respond(
        policies,
        out,
        () -> {
          Page<Policy> page = flow.list(policies, request.getPageSize(), request.getPageToken());
          return ListPoliciesResponse.newBuilder()
              .addAllPolicies(page.items().stream().map(PolicySecrets::redact).toList())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void updatePolicy(UpdatePolicyRequest request, StreamObserver<Policy> out) {
    respond(
        policies,
        out,
        () ->
            PolicySecrets.redact(
                flow.update(
                    policies,
                    request.getPolicy(),
                    request.getUpdateMask(),
                    request.getValidateOnly())));
  }

  @Override
  public void deletePolicy(DeletePolicyRequest request, StreamObserver<Empty> out) {
    respond(policies, out, () -> deleted(policies, request.getName(), request.getEtag()));
  }

  // ---- consumers

  @Override
  public void createConsumer(CreateConsumerRequest request, StreamObserver<Consumer> out) {
    respond(
        consumers,
        out,
        () ->
            flow.create(
                consumers,
                request.getConsumerId(),
                request.getConsumer(),
                request.getValidateOnly()));
  }

  @Override
  public void getConsumer(GetConsumerRequest request, StreamObserver<Consumer> out) {
    respond(consumers, out, () -> consumerCredentials.get(request.getName()));
  }

  @Override
  public void listConsumers(
      ListConsumersRequest request, StreamObserver<ListConsumersResponse> out) {
    respond(
        consumers,
        out,
        () -> {
          Page<Consumer> page = flow.list(consumers, request.getPageSize(), request.getPageToken());
          return ListConsumersResponse.newBuilder()
              .addAllConsumers(page.items())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void updateConsumer(UpdateConsumerRequest request, StreamObserver<Consumer> out) {
    respond(
        consumers,
        out,
        () ->
            flow.update(
                consumers,
                request.getConsumer(),
                request.getUpdateMask(),
                request.getValidateOnly()));
  }

  @Override
  public void deleteConsumer(DeleteConsumerRequest request, StreamObserver<Empty> out) {
    respond(consumers, out, () -> deleted(consumers, request.getName(), request.getEtag()));
  }

  @Override
  public void createConsumerKey(
      CreateConsumerKeyRequest request, StreamObserver<CreateConsumerKeyResponse> out) {
    respond(
        consumers,
        out,
        () -> consumerCredentials.createKey(request.getName(), request.getExpireTime()));
  }

  @Override
  public void deleteConsumerKey(DeleteConsumerKeyRequest request, StreamObserver<Consumer> out) {
    respond(
        consumers, out, () -> consumerCredentials.deleteKey(request.getName(), request.getKeyId()));
  }

  @Override
  public void setBasicCredential(SetBasicCredentialRequest request, StreamObserver<Consumer> out) {
    respond(
        consumers,
        out,
        () ->
            consumerCredentials.setBasic(
                request.getName(),
                request.getUsername(),
                request.getPassword(),
                request.getPasswordHash()));
  }

  @Override
  public void deleteBasicCredential(
      DeleteBasicCredentialRequest request, StreamObserver<Consumer> out) {
    respond(
        consumers,
        out,
        () -> consumerCredentials.deleteBasic(request.getName(), request.getUsername()));
  }

  // ---- fleet

  @Override
  public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> out) {
    respond(
        null,
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
            page.add(reporting.withReportFreshness(node));
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
    respond(null, out, () -> reporting.stats(request));
  }

  @Override
  public void getClusterHealth(GetClusterHealthRequest request, StreamObserver<ClusterHealth> out) {
    respond(
        clusters,
        out,
        () -> {
          Cluster cluster = flow.get(clusters, request.getName());
          List<String> addresses = new ArrayList<>();
          for (Endpoint endpoint : cluster.getEndpointsList()) {
            addresses.add(NodeReportingService.address(endpoint.getHost(), endpoint.getPort()));
          }
          return reporting.clusterHealth(cluster.getName(), addresses);
        });
  }

  // ---- config as code

  @Override
  public void apply(ApplyRequest request, StreamObserver<ApplyResponse> out) {
    respond(
        null,
        out,
        () -> {
          ApplyResponse applied = apply.apply(request, Caller.name());
          // An ACME-managed certificate it added is ordered now rather than at the next check.
          acme.ifPresent(AcmeRenewals::wake);
          return applied;
        });
  }

  @Override
  public void rollback(RollbackRequest request, StreamObserver<ApplyResponse> out) {
    respond(null, out, () -> apply.rollback(request, Caller.name()));
  }

  @Override
  public void exportConfig(ExportConfigRequest request, StreamObserver<Config> out) {
    respond(null, out, () -> history.export(request.getRevision()));
  }

  @Override
  public void listRevisions(
      ListRevisionsRequest request, StreamObserver<ListRevisionsResponse> out) {
    respond(null, out, () -> history.list(request.getPageSize(), request.getPageToken()));
  }

  @Override
  public void getRevision(GetRevisionRequest request, StreamObserver<Revision> out) {
    respond(null, out, () -> history.get(request.getRevision()));
  }

  // ---- helpers

  /** The stored default certificate, unless it is the named one. */
  private static Optional<String> otherDefault(ConfigStore store, String name) {
    for (Stored<Certificate> stored : store.readConfig().certificates()) {
      Certificate c = stored.resource();
      if (c.getDefaultCertificate() && !c.getName().equals(name)) {
        return Optional.of(c.getName());
      }
    }
    return Optional.empty();
  }

  private Empty deleted(ResourceType<?> type, String name, String etag) {
    flow.delete(type, name, etag);
    return Empty.getDefaultInstance();
  }

  /**
   * Answers with the call's result or its failure as one status.
   *
   * @param type the kind the call is about, null for calls about none
   */
  private static <T> void respond(
      @Nullable ResourceType<?> type, StreamObserver<T> out, Supplier<T> call) {
    T result;
    try {
      result = call.get();
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    } catch (StoreException e) {
      out.onError(StoreStatus.of(e, type == null ? null : type.kind()));
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
}
