package dev.concierge.cli;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import dev.concierge.api.rules.ConsumerRules;
import dev.concierge.api.rules.PolicyRules;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ClusterHealth;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerKey;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreateConsumerKeyRequest;
import dev.concierge.api.v1.CreateConsumerKeyResponse;
import dev.concierge.api.v1.CreateConsumerRequest;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DeleteBasicCredentialRequest;
import dev.concierge.api.v1.DeleteClusterRequest;
import dev.concierge.api.v1.DeleteConsumerKeyRequest;
import dev.concierge.api.v1.DeleteConsumerRequest;
import dev.concierge.api.v1.DeletePolicyRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.EndpointFleetHealth;
import dev.concierge.api.v1.GetCertificateRequest;
import dev.concierge.api.v1.GetClusterHealthRequest;
import dev.concierge.api.v1.GetClusterRequest;
import dev.concierge.api.v1.GetConsumerRequest;
import dev.concierge.api.v1.GetPolicyRequest;
import dev.concierge.api.v1.GetRouteRequest;
import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.HealthState;
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
import dev.concierge.api.v1.ListRoutesRequest;
import dev.concierge.api.v1.ListRoutesResponse;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.NodeHealthView;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.SetBasicCredentialRequest;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.StatsRow;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.api.v1.UpdateCertificateRequest;
import dev.concierge.api.v1.UpdateClusterRequest;
import dev.concierge.api.v1.UpdateConsumerRequest;
import dev.concierge.api.v1.UpdatePolicyRequest;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.controlplane.crypto.FleetCa;
import dev.concierge.controlplane.management.FieldViolations;
import dev.concierge.controlplane.management.RouteValidator;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A ManagementService on a real Netty server at 127.0.0.1:0 with canned behaviour: an in-memory
 * store, bearer token check, and the error statuses the real control plane uses; routes are checked
 * by the control plane's own RouteValidator.
 */
final class FakeControlPlane implements AutoCloseable {

  static final String TOKEN = "secret-admin-token";
  static final Timestamp UPDATED = Timestamp.newBuilder().setSeconds(1_800_000_000L).build();

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  final Map<String, Cluster> clusters = new ConcurrentSkipListMap<>();
  final Map<String, Route> routes = new ConcurrentSkipListMap<>();
  final Map<String, Certificate> certs = new ConcurrentSkipListMap<>();
  final Map<String, Policy> policies = new ConcurrentSkipListMap<>();
  // Consumers as the real control plane returns them (key ids and usernames, no secrets).
  final Map<String, Consumer> consumers = new ConcurrentSkipListMap<>();
  // The secrets the fake handed out or was given, to show none ever comes back.
  final List<String> consumerSecrets = new java.util.concurrent.CopyOnWriteArrayList<>();
  final Map<String, Object> lastRequests = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger statsCalls =
      new java.util.concurrent.atomic.AtomicInteger();
  final AtomicReference<String> lastAuthorization = new AtomicReference<>();

  /** Runs once, just before the next UpdateCluster is judged: a concurrent change (tests). */
  final AtomicReference<Runnable> beforeNextClusterUpdate = new AtomicReference<>();

  private final AtomicLong revision = new AtomicLong();
  private final Server server;
  private final Path tlsDir;
  private final Path caFile;

  FakeControlPlane() throws IOException {
    // TLS as the real control plane serves it: its own CA, a certificate for loopback.
    tlsDir = Files.createTempDirectory("fake-control-plane-tls");
    FleetCa ca = FleetCa.loadOrCreate(tlsDir, Clock.systemUTC());
    caFile = ca.certificateFile();
    FleetCa.ServerFiles files = ca.serverCertificate(List.of("127.0.0.1", "localhost"));
    server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                TlsServerCredentials.create(
                    files.certificateChain().toFile(), files.privateKey().toFile()))
            .addService(ServerInterceptors.intercept(new Service(), new TokenCheck()))
            .build()
            .start();
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** The PEM file of the CA this fake's certificate chains to. */
  Path caFile() {
    return caFile;
  }

  void reset() {
    clusters.clear();
    routes.clear();
    certs.clear();
    policies.clear();
    consumers.clear();
    consumerSecrets.clear();
    lastRequests.clear();
    statsCalls.set(0);
    lastAuthorization.set(null);
    beforeNextClusterUpdate.set(null);
    revision.set(0);
  }

  /** GetStats calls since the last reset. */
  int statsCalls() {
    return statsCalls.get();
  }

  /** The last request of that RPC, as the type the test expects it to be. */
  <T> T last(String rpc, Class<T> type) {
    return type.cast(lastRequests.get(rpc));
  }

  Cluster putCluster(Cluster c) {
    Cluster stored =
        c.toBuilder()
            .setEtag(Long.toString(revision.incrementAndGet()))
            .setUpdateTime(UPDATED)
            .build();
    clusters.put(c.getName(), stored);
    return stored;
  }

  Route putRoute(Route r) {
    Route stored =
        r.toBuilder()
            .setEtag(Long.toString(revision.incrementAndGet()))
            .setUpdateTime(UPDATED)
            .build();
    routes.put(r.getName(), stored);
    return stored;
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.list(tlsDir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
      Files.delete(tlsDir);
    } catch (IOException e) {
      // A temp dir left behind harms nothing.
    }
  }

  private final class TokenCheck implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String auth = headers.get(AUTHORIZATION);
      lastAuthorization.set(auth);
      if (!("Bearer " + TOKEN).equals(auth)) {
        call.close(
            Status.UNAUTHENTICATED.withDescription("missing or invalid bearer token"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
  }

  private static StatusRuntimeException notFound(String name) {
    String kind = name.substring(0, name.indexOf('/') - 1);
    return Status.NOT_FOUND
        .withDescription(kind + " \"" + name + "\" not found")
        .asRuntimeException();
  }

  /** The route, or the control plane's own INVALID_ARGUMENT naming every bad field. */
  private Route validRoute(Route route) {
    FieldViolations violations = new FieldViolations();
    RouteValidator.validate(route, "route", clusters::containsKey, violations);
    violations.throwIfAny("route", route.getName());
    return route;
  }

  private Policy validPolicy(Policy policy) {
    FieldViolations violations = new FieldViolations();
    PolicyRules.check(policy, "policy", violations::add);
    violations.throwIfAny("policy", policy.getName());
    return policy;
  }

  private Policy putPolicy(Policy policy) {
    Policy stored =
        policy.toBuilder()
            .setEtag(Long.toString(revision.incrementAndGet()))
            .setUpdateTime(UPDATED)
            .build();
    policies.put(stored.getName(), stored);
    return stored;
  }

  private Consumer putConsumer(Consumer consumer) {
    Consumer stored =
        consumer.toBuilder()
            .setEtag(Long.toString(revision.incrementAndGet()))
            .setUpdateTime(UPDATED)
            .build();
    consumers.put(stored.getName(), stored);
    return stored;
  }

  private Consumer consumer(String name) {
    Consumer c = consumers.get(name);
    if (c == null) {
      throw notFound(name);
    }
    return c;
  }

  private static <T> void reply(StreamObserver<T> observer, java.util.function.Supplier<T> body) {
    try {
      T value = body.get();
      observer.onNext(value);
      observer.onCompleted();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
    }
  }

  private final class Service extends ManagementServiceGrpc.ManagementServiceImplBase {

    @Override
    public void createCluster(CreateClusterRequest req, StreamObserver<Cluster> obs) {
      lastRequests.put("CreateCluster", req);
      reply(
          obs,
          () -> {
            String name = "clusters/" + req.getClusterId();
            if (clusters.containsKey(name)) {
              throw Status.ALREADY_EXISTS
                  .withDescription("cluster \"" + name + "\" already exists")
                  .asRuntimeException();
            }
            return putCluster(req.getCluster().toBuilder().setName(name).build());
          });
    }

    @Override
    public void getCluster(GetClusterRequest req, StreamObserver<Cluster> obs) {
      reply(
          obs,
          () -> {
            Cluster c = clusters.get(req.getName());
            if (c == null) {
              throw notFound(req.getName());
            }
            return c;
          });
    }

    @Override
    public void listClusters(ListClustersRequest req, StreamObserver<ListClustersResponse> obs) {
      // Two pages when there is more than one cluster, to exercise page tokens.
      List<Cluster> all = List.copyOf(clusters.values());
      int start = req.getPageToken().isEmpty() ? 0 : Integer.parseInt(req.getPageToken());
      int end = Math.min(all.size(), start + 1);
      reply(
          obs,
          () ->
              ListClustersResponse.newBuilder()
                  .addAllClusters(all.subList(Math.min(start, all.size()), end))
                  .setNextPageToken(end < all.size() ? Integer.toString(end) : "")
                  .build());
    }

    @Override
    public void updateCluster(UpdateClusterRequest req, StreamObserver<Cluster> obs) {
      lastRequests.put("UpdateCluster", req);
      Runnable concurrent = beforeNextClusterUpdate.getAndSet(null);
      if (concurrent != null) {
        concurrent.run();
      }
      reply(
          obs,
          () -> {
            Cluster current = clusters.get(req.getCluster().getName());
            if (current == null) {
              throw notFound(req.getCluster().getName());
            }
            if (!req.getCluster().getEtag().isEmpty()
                && !req.getCluster().getEtag().equals(current.getEtag())) {
              throw Status.ABORTED
                  .withDescription(
                      "cluster \""
                          + current.getName()
                          + "\" was changed concurrently (etag "
                          + current.getEtag()
                          + ")")
                  .asRuntimeException();
            }
            Cluster.Builder b = current.toBuilder();
            for (String path : req.getUpdateMask().getPathsList()) {
              switch (path) {
                case "endpoints" ->
                    b.clearEndpoints().addAllEndpoints(req.getCluster().getEndpointsList());
                case "lb_policy" -> b.setLbPolicy(req.getCluster().getLbPolicy());
                case "hash_policy" -> b.setHashPolicy(req.getCluster().getHashPolicy());
                case "overprovisioning_percent" ->
                    b.setOverprovisioningPercent(req.getCluster().getOverprovisioningPercent());
                case "protocol" -> b.setProtocol(req.getCluster().getProtocol());
                case "connect_timeout" -> b.setConnectTimeout(req.getCluster().getConnectTimeout());
                case "retry_budget" -> {
                  if (req.getCluster().hasRetryBudget()) {
                    b.setRetryBudget(req.getCluster().getRetryBudget());
                  } else {
                    b.clearRetryBudget();
                  }
                }
                case "circuit_breakers" -> {
                  if (req.getCluster().hasCircuitBreakers()) {
                    b.setCircuitBreakers(req.getCluster().getCircuitBreakers());
                  } else {
                    b.clearCircuitBreakers();
                  }
                }
                case "health_check" -> {
                  if (req.getCluster().hasHealthCheck()) {
                    b.setHealthCheck(req.getCluster().getHealthCheck());
                  } else {
                    b.clearHealthCheck();
                  }
                }
                case "outlier_detection" -> {
                  if (req.getCluster().hasOutlierDetection()) {
                    b.setOutlierDetection(req.getCluster().getOutlierDetection());
                  } else {
                    b.clearOutlierDetection();
                  }
                }
                case "slow_start" -> {
                  if (req.getCluster().hasSlowStart()) {
                    b.setSlowStart(req.getCluster().getSlowStart());
                  } else {
                    b.clearSlowStart();
                  }
                }
                case "panic_threshold_percent" ->
                    b.setPanicThresholdPercent(req.getCluster().getPanicThresholdPercent());
                case "tls" -> {
                  if (req.getCluster().hasTls()) {
                    b.setTls(req.getCluster().getTls());
                  } else {
                    b.clearTls();
                  }
                }
                case "description" -> b.setDescription(req.getCluster().getDescription());
                default ->
                    throw Status.INVALID_ARGUMENT
                        .withDescription("bad mask " + path)
                        .asRuntimeException();
              }
            }
            return putCluster(b.build());
          });
    }

    @Override
    public void deleteCluster(DeleteClusterRequest req, StreamObserver<Empty> obs) {
      lastRequests.put("DeleteCluster", req);
      reply(
          obs,
          () -> {
            if (routes.values().stream()
                .anyMatch(
                    r ->
                        r.getForward().getClustersList().stream()
                            .anyMatch(w -> w.getCluster().equals(req.getName())))) {
              throw Status.FAILED_PRECONDITION
                  .withDescription("cluster \"" + req.getName() + "\" is used by a route")
                  .asRuntimeException();
            }
            if (clusters.remove(req.getName()) == null) {
              throw notFound(req.getName());
            }
            return Empty.getDefaultInstance();
          });
    }

    @Override
    public void createRoute(CreateRouteRequest req, StreamObserver<Route> obs) {
      lastRequests.put("CreateRoute", req);
      reply(
          obs,
          () -> {
            String name = "routes/" + req.getRouteId();
            return putRoute(validRoute(req.getRoute().toBuilder().setName(name).build()));
          });
    }

    @Override
    public void getRoute(GetRouteRequest req, StreamObserver<Route> obs) {
      reply(
          obs,
          () -> {
            Route r = routes.get(req.getName());
            if (r == null) {
              throw notFound(req.getName());
            }
            return r;
          });
    }

    @Override
    public void listRoutes(ListRoutesRequest req, StreamObserver<ListRoutesResponse> obs) {
      reply(obs, () -> ListRoutesResponse.newBuilder().addAllRoutes(routes.values()).build());
    }

    @Override
    public void updateRoute(UpdateRouteRequest req, StreamObserver<Route> obs) {
      lastRequests.put("UpdateRoute", req);
      reply(
          obs,
          () -> {
            Route current = routes.get(req.getRoute().getName());
            if (current == null) {
              throw notFound(req.getRoute().getName());
            }
            Route.Builder b = current.toBuilder();
            for (String path : req.getUpdateMask().getPathsList()) {
              switch (path) {
                case "match" -> b.setMatch(req.getRoute().getMatch());
                case "forward" -> b.setForward(req.getRoute().getForward());
                case "description" -> b.setDescription(req.getRoute().getDescription());
                case "request_body" -> b.setRequestBody(req.getRoute().getRequestBody());
                case "tls" -> b.setTls(req.getRoute().getTls());
                case "access_log" -> b.setAccessLog(req.getRoute().getAccessLog());
                case "policies" ->
                    b.clearPolicies().addAllPolicies(req.getRoute().getPoliciesList());
                case "priority" -> b.setPriority(req.getRoute().getPriority());
                default ->
                    throw Status.INVALID_ARGUMENT
                        .withDescription("bad mask " + path)
                        .asRuntimeException();
              }
            }
            return putRoute(validRoute(b.build()));
          });
    }

    @Override
    public void deleteRoute(DeleteRouteRequest req, StreamObserver<Empty> obs) {
      lastRequests.put("DeleteRoute", req);
      reply(
          obs,
          () -> {
            if (routes.remove(req.getName()) == null) {
              throw notFound(req.getName());
            }
            return Empty.getDefaultInstance();
          });
    }

    @Override
    public void createCertificate(CreateCertificateRequest req, StreamObserver<Certificate> obs) {
      lastRequests.put("CreateCertificate", req);
      reply(
          obs,
          () -> {
            Certificate stored =
                req.getCertificate().toBuilder()
                    .setName("certificates/" + req.getCertificateId())
                    .clearPrivateKey()
                    .clearPrivateKeyPassphrase()
                    .addDnsNames("example.com")
                    .setIssuer("CN=Test CA,O=Example")
                    .setKeyType("EC P-256")
                    .setSerialNumber("1f")
                    .addServingNodes("edge-1")
                    .setExpiring(true)
                    .setNotAfter(UPDATED)
                    .setFingerprintSha256("ab".repeat(32))
                    .setEtag(Long.toString(revision.incrementAndGet()))
                    .build();
            certs.put(stored.getName(), stored);
            return stored;
          });
    }

    @Override
    public void renewCertificate(
        dev.concierge.api.v1.RenewCertificateRequest req, StreamObserver<Certificate> obs) {
      lastRequests.put("RenewCertificate", req);
      reply(
          obs,
          () -> {
            Certificate c = certs.get(req.getName());
            if (c == null) {
              throw notFound(req.getName());
            }
            Certificate renewing =
                c.toBuilder()
                    .setAcmeStatus(
                        c.getAcmeStatus().toBuilder()
                            .setState(dev.concierge.api.v1.AcmeStatus.State.PENDING))
                    .setEtag(Long.toString(revision.incrementAndGet()))
                    .build();
            certs.put(renewing.getName(), renewing);
            return renewing;
          });
    }

    @Override
    public void getCertificate(GetCertificateRequest req, StreamObserver<Certificate> obs) {
      reply(
          obs,
          () -> {
            Certificate c = certs.get(req.getName());
            if (c == null) {
              throw notFound(req.getName());
            }
            return c;
          });
    }

    @Override
    public void listCertificates(
        ListCertificatesRequest req, StreamObserver<ListCertificatesResponse> obs) {
      reply(
          obs,
          () -> ListCertificatesResponse.newBuilder().addAllCertificates(certs.values()).build());
    }

    @Override
    public void updateCertificate(UpdateCertificateRequest req, StreamObserver<Certificate> obs) {
      lastRequests.put("UpdateCertificate", req);
      reply(
          obs,
          () -> {
            Certificate current = certs.get(req.getCertificate().getName());
            if (current == null) {
              throw notFound(req.getCertificate().getName());
            }
            Certificate.Builder merged = current.toBuilder();
            com.google.protobuf.util.FieldMaskUtil.merge(
                req.getUpdateMask(),
                req.getCertificate(),
                merged,
                new com.google.protobuf.util.FieldMaskUtil.MergeOptions()
                    .setReplacePrimitiveFields(true)
                    .setReplaceMessageFields(true));
            Certificate stored =
                merged
                    .clearPrivateKey()
                    .clearPrivateKeyPassphrase()
                    .setEtag(Long.toString(revision.incrementAndGet()))
                    .build();
            certs.put(stored.getName(), stored);
            return stored;
          });
    }

    @Override
    public void createPolicy(CreatePolicyRequest req, StreamObserver<Policy> obs) {
      lastRequests.put("CreatePolicy", req);
      reply(
          obs,
          () ->
              putPolicy(
                  validPolicy(
                      req.getPolicy().toBuilder()
                          .setName("policies/" + req.getPolicyId())
                          .build())));
    }

    @Override
    public void getPolicy(GetPolicyRequest req, StreamObserver<Policy> obs) {
      reply(
          obs,
          () -> {
            Policy p = policies.get(req.getName());
            if (p == null) {
              throw notFound(req.getName());
            }
            return p;
          });
    }

    @Override
    public void listPolicies(ListPoliciesRequest req, StreamObserver<ListPoliciesResponse> obs) {
      reply(obs, () -> ListPoliciesResponse.newBuilder().addAllPolicies(policies.values()).build());
    }

    @Override
    public void updatePolicy(UpdatePolicyRequest req, StreamObserver<Policy> obs) {
      lastRequests.put("UpdatePolicy", req);
      reply(
          obs,
          () -> {
            Policy current = policies.get(req.getPolicy().getName());
            if (current == null) {
              throw notFound(req.getPolicy().getName());
            }
            Policy.Builder b = current.toBuilder();
            for (String path : req.getUpdateMask().getPathsList()) {
              switch (path) {
                case "description" -> b.setDescription(req.getPolicy().getDescription());
                case "fleet_default" -> b.setFleetDefault(req.getPolicy().getFleetDefault());
                case "ip_access" -> b.setIpAccess(req.getPolicy().getIpAccess());
                case "rate_limit" -> b.setRateLimit(req.getPolicy().getRateLimit());
                case "cors" -> b.setCors(req.getPolicy().getCors());
                case "key_auth" -> b.setKeyAuth(req.getPolicy().getKeyAuth());
                case "basic_auth" -> b.setBasicAuth(req.getPolicy().getBasicAuth());
                case "jwt_auth" -> b.setJwtAuth(req.getPolicy().getJwtAuth());
                case "connection_limits" ->
                    b.setConnectionLimits(req.getPolicy().getConnectionLimits());
                default ->
                    throw Status.INVALID_ARGUMENT
                        .withDescription("bad mask " + path)
                        .asRuntimeException();
              }
            }
            return putPolicy(validPolicy(b.build()));
          });
    }

    @Override
    public void deletePolicy(DeletePolicyRequest req, StreamObserver<Empty> obs) {
      lastRequests.put("DeletePolicy", req);
      reply(
          obs,
          () -> {
            for (Route route : routes.values()) {
              if (route.getPoliciesList().contains(req.getName())) {
                throw Status.FAILED_PRECONDITION
                    .withDescription(
                        "policy \"" + req.getName() + "\" is used by " + route.getName())
                    .asRuntimeException();
              }
            }
            if (policies.remove(req.getName()) == null) {
              throw notFound(req.getName());
            }
            return Empty.getDefaultInstance();
          });
    }

    @Override
    public void createConsumer(CreateConsumerRequest req, StreamObserver<Consumer> obs) {
      lastRequests.put("CreateConsumer", req);
      reply(
          obs,
          () -> {
            Consumer consumer =
                req.getConsumer().toBuilder().setName("consumers/" + req.getConsumerId()).build();
            FieldViolations violations = new FieldViolations();
            ConsumerRules.check(consumer, "consumer", violations::add);
            violations.throwIfAny("consumer", consumer.getName());
            return putConsumer(consumer);
          });
    }

    @Override
    public void getConsumer(GetConsumerRequest req, StreamObserver<Consumer> obs) {
      reply(obs, () -> consumer(req.getName()));
    }

    @Override
    public void listConsumers(ListConsumersRequest req, StreamObserver<ListConsumersResponse> obs) {
      reply(
          obs,
          () -> {
            ListConsumersResponse.Builder out = ListConsumersResponse.newBuilder();
            consumers
                .values()
                .forEach(c -> out.addConsumers(c.toBuilder().clearKeys().clearBasicCredentials()));
            return out.build();
          });
    }

    @Override
    public void updateConsumer(UpdateConsumerRequest req, StreamObserver<Consumer> obs) {
      lastRequests.put("UpdateConsumer", req);
      reply(
          obs,
          () -> {
            Consumer.Builder b = consumer(req.getConsumer().getName()).toBuilder();
            for (String path : req.getUpdateMask().getPathsList()) {
              switch (path) {
                case "description" -> b.setDescription(req.getConsumer().getDescription());
                case "labels" -> b.clearLabels().putAllLabels(req.getConsumer().getLabelsMap());
                default ->
                    throw Status.INVALID_ARGUMENT
                        .withDescription("bad mask " + path)
                        .asRuntimeException();
              }
            }
            return putConsumer(b.build());
          });
    }

    @Override
    public void deleteConsumer(DeleteConsumerRequest req, StreamObserver<Empty> obs) {
      lastRequests.put("DeleteConsumer", req);
      reply(
          obs,
          () -> {
            consumer(req.getName());
            consumers.remove(req.getName());
            return Empty.getDefaultInstance();
          });
    }

    @Override
    public void createConsumerKey(
        CreateConsumerKeyRequest req, StreamObserver<CreateConsumerKeyResponse> obs) {
      lastRequests.put("CreateConsumerKey", req);
      reply(
          obs,
          () -> {
            Consumer current = consumer(req.getName());
            String secret = "ck_" + "k".repeat(40) + current.getKeysCount();
            consumerSecrets.add(secret);
            ConsumerKey.Builder key =
                ConsumerKey.newBuilder()
                    .setId(String.format("%08x", 0xabc0 + current.getKeysCount()))
                    .setDisplayPrefix(secret.substring(0, 7))
                    .setCreateTime(UPDATED);
            if (req.hasExpireTime()) {
              key.setExpireTime(req.getExpireTime());
            }
            putConsumer(current.toBuilder().addKeys(key).build());
            return CreateConsumerKeyResponse.newBuilder().setKey(key).setSecret(secret).build();
          });
    }

    @Override
    public void deleteConsumerKey(DeleteConsumerKeyRequest req, StreamObserver<Consumer> obs) {
      lastRequests.put("DeleteConsumerKey", req);
      reply(
          obs,
          () -> {
            Consumer current = consumer(req.getName());
            Consumer.Builder b = current.toBuilder().clearKeys();
            boolean found = false;
            for (ConsumerKey key : current.getKeysList()) {
              if (key.getId().equals(req.getKeyId())) {
                found = true;
              } else {
                b.addKeys(key);
              }
            }
            if (!found) {
              throw Status.NOT_FOUND
                  .withDescription("no key " + req.getKeyId())
                  .asRuntimeException();
            }
            return putConsumer(b.build());
          });
    }

    @Override
    public void setBasicCredential(SetBasicCredentialRequest req, StreamObserver<Consumer> obs) {
      lastRequests.put("SetBasicCredential", req);
      reply(
          obs,
          () -> {
            Consumer current = consumer(req.getName());
            consumerSecrets.add(
                req.getPassword().isEmpty() ? req.getPasswordHash() : req.getPassword());
            Consumer.Builder b = current.toBuilder().clearBasicCredentials();
            current.getBasicCredentialsList().stream()
                .filter(c -> !c.getUsername().equals(req.getUsername()))
                .forEach(b::addBasicCredentials);
            b.addBasicCredentials(BasicCredential.newBuilder().setUsername(req.getUsername()));
            return putConsumer(b.build());
          });
    }

    @Override
    public void deleteBasicCredential(
        DeleteBasicCredentialRequest req, StreamObserver<Consumer> obs) {
      lastRequests.put("DeleteBasicCredential", req);
      reply(
          obs,
          () -> {
            Consumer current = consumer(req.getName());
            Consumer.Builder b = current.toBuilder().clearBasicCredentials();
            current.getBasicCredentialsList().stream()
                .filter(c -> !c.getUsername().equals(req.getUsername()))
                .forEach(b::addBasicCredentials);
            return putConsumer(b.build());
          });
    }

    @Override
    public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> obs) {
      reply(
          obs,
          () ->
              ListNodesResponse.newBuilder()
                  .setRevision(7)
                  .addNodes(
                      Node.newBuilder()
                          .setName("nodes/edge-1")
                          .setAddress("10.0.0.5:8080")
                          .setVersion("0.1.0")
                          .setStatus(Node.SyncStatus.SYNCED)
                          .setAppliedRevision(7)
                          .setSentRevision(7)
                          .setConnected(true)
                          .setLastSeen(UPDATED)
                          .setLastReport(UPDATED)
                          .setReportStale(true))
                  .build());
    }

    @Override
    public void getClusterHealth(GetClusterHealthRequest req, StreamObserver<ClusterHealth> obs) {
      lastRequests.put("GetClusterHealth", req);
      reply(
          obs,
          () ->
              ClusterHealth.newBuilder()
                  .setName(req.getName())
                  .addEndpoints(
                      EndpointFleetHealth.newBuilder()
                          .setAddress("10.0.0.7:80")
                          .addViews(
                              NodeHealthView.newBuilder()
                                  .setNode("nodes/edge-1")
                                  .setState(HealthState.UNHEALTHY)
                                  .setSince(UPDATED)
                                  .setReportTime(UPDATED))
                          .addViews(
                              NodeHealthView.newBuilder()
                                  .setNode("nodes/edge-2")
                                  .setState(HealthState.HEALTHY)
                                  .setSince(UPDATED)
                                  .setReportTime(UPDATED)
                                  .setStale(true)))
                  .addEndpoints(EndpointFleetHealth.newBuilder().setAddress("10.0.0.8:80"))
                  .build());
    }

    @Override
    public void getStats(GetStatsRequest req, StreamObserver<Stats> obs) {
      lastRequests.put("GetStats", req);
      statsCalls.incrementAndGet();
      reply(
          obs,
          () ->
              Stats.newBuilder()
                  .setNodes(1)
                  .setWindow(com.google.protobuf.Duration.newBuilder().setSeconds(60))
                  .addRouteRows(
                      StatsRow.newBuilder()
                          .setName("routes/web")
                          .setRequests(600)
                          .setRequestsPerSecond(10)
                          .setResponses5Xx(6)
                          .setErrorRate(0.01)
                          .setLatencyP50Us(400)
                          .setLatencyP95Us(900)
                          .setLatencyP99Us(1234))
                  .addRouteRows(
                      StatsRow.newBuilder()
                          .setName("routes/web")
                          .setNode("nodes/edge-1")
                          .setRequests(600)
                          .setRequestsPerSecond(10)
                          .setResponses5Xx(6)
                          .setErrorRate(0.01)
                          .setLatencyP50Us(400)
                          .setLatencyP95Us(900)
                          .setLatencyP99Us(1234))
                  .setUnroutedRow(StatsRow.newBuilder().setRequests(0))
                  .addNodeRows(
                      StatsRow.newBuilder()
                          .setName("nodes/edge-1")
                          .setRequests(660)
                          .setRequestsPerSecond(11)
                          .setErrorRate(0.5)
                          .setLatencyP50Us(300)
                          .setLatencyP95Us(2_500_000)
                          .setLatencyP99Us(3_000_000))
                  .addRoutes(
                      TrafficCounters.newBuilder()
                          .setName("routes/web")
                          .setRequests(10)
                          .setResponses2Xx(9)
                          .setResponses5Xx(1)
                          .setRetries(2)
                          .setLatencyCount(10)
                          .setLatencyP50Us(400)
                          .setLatencyP99Us(1234))
                  .setUnrouted(
                      TrafficCounters.newBuilder()
                          .setRequests(4)
                          .setResponses4Xx(4)
                          .setLatencyCount(4)
                          .setLatencyP99Us(850))
                  .addClusters(
                      TrafficCounters.newBuilder()
                          .setName("clusters/web")
                          .setRequests(10)
                          .setUpstreamFailures(1))
                  .build());
    }
  }
}
