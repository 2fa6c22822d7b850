package dev.concierge.controlplane.audit;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.concierge.controlplane.auth.Caller;
import dev.concierge.controlplane.auth.MethodAccess;
import dev.concierge.controlplane.store.AuditRecord;
import dev.concierge.controlplane.store.JdbcAuditLog;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every management call that changes something and every refused one, before its status
 * reaches the client: an acknowledged call is on disk, even if the process is killed right after.
 *
 * <p>It must be the outermost interceptor, so that it also sees calls that authentication refuses.
 * A call changes something unless its method is a read ({@link MethodAccess}), so that new writes
 * (Apply, Rollback) are audited without a change here. A successful {@code validate_only} or {@code
 * dry_run} call changed nothing and is not recorded; a refused one is. When the audit write itself
 * fails the call's own status still goes out (the change is already committed) and the failure is
 * logged. Thread-safe.
 */
public final class AuditInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(AuditInterceptor.class);

  /** The token name of a call that carried no valid token. */
  public static final String NO_TOKEN = "-";

  private static final int DETAIL_MAX = 1024;

  private final JdbcAuditLog auditLog;
  private final Clock clock;

  public AuditInterceptor(JdbcAuditLog auditLog, Clock clock) {
    this.auditLog = requireNonNull(auditLog, "auditLog");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Whether a method (its bare name, e.g. "CreateCluster") changes something. */
  static boolean mutating(String bareMethodName) {
    return !MethodAccess.reads(bareMethodName);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    AtomicReference<@Nullable String> caller = new AtomicReference<>();
    AuditedCall<ReqT, RespT> audited = new AuditedCall<>(call, caller);
    ServerCall.Listener<ReqT> inner =
        Contexts.interceptCall(Caller.witnessed(caller), audited, headers, next);
    return new SimpleForwardingServerCallListener<>(inner) {
      @Override
      public void onMessage(ReqT message) {
        audited.request = message;
        super.onMessage(message);
      }
    };
  }

  private final class AuditedCall<ReqT, RespT> extends SimpleForwardingServerCall<ReqT, RespT> {
    private final AtomicReference<@Nullable String> caller;
    // Written by the listener before the handler runs, read when the call closes.
    volatile @Nullable Object request;

    AuditedCall(ServerCall<ReqT, RespT> call, AtomicReference<@Nullable String> caller) {
      super(call);
      this.caller = caller;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      Object req = request;
      String bare = getMethodDescriptor().getBareMethodName();
      boolean changed = bare != null && mutating(bare) && !dryRun(req);
      if (!status.isOk() || changed) {
        record(status, req);
      }
      super.close(status, trailers);
    }

    private void record(Status status, @Nullable Object req) {
      String who = caller.get();
      try {
        auditLog.record(
            new AuditRecord(
                clock.instant(),
                who == null ? NO_TOKEN : who,
                address(getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
                getMethodDescriptor().getFullMethodName(),
                req == null ? "" : RequestResource.of(req),
                status.getCode().name(),
                detail(status)));
      } catch (RuntimeException e) {
        log.error(
            "cannot write the audit record of {} ({}): {}",
            getMethodDescriptor().getFullMethodName(),
            status.getCode(),
            e.toString());
      }
    }
  }

  private static boolean dryRun(@Nullable Object request) {
    if (!(request instanceof Message m)) {
      return false;
    }
    for (String name : List.of("validate_only", "dry_run")) {
      FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
      if (f != null
          && f.getJavaType() == FieldDescriptor.JavaType.BOOLEAN
          && !f.isRepeated()
          && Boolean.TRUE.equals(m.getField(f))) {
        return true;
      }
    }
    return false;
  }

  private static String address(@Nullable SocketAddress a) {
    if (a == null) {
      return "";
    }
    if (a instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return inet.getAddress().getHostAddress() + ":" + inet.getPort();
    }
    return a.toString();
  }

  private static String detail(Status status) {
    String d = status.getDescription();
    if (d == null) {
      return "";
    }
    String oneLine = d.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= DETAIL_MAX ? oneLine : oneLine.substring(0, DETAIL_MAX - 1) + "…";
  }
}
