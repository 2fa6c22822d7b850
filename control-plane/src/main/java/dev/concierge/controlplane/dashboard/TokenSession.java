package dev.concierge.controlplane.dashboard;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonObject;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.controlplane.auth.AdminAuthInterceptor;
import dev.concierge.controlplane.auth.Principal;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Answers {@code GET /api/session}: the name and role of the browser's token, so the dashboard
 * shows admin actions only to admin tokens. Asks the management API's own authentication; the calls
 * themselves are still checked by it, so this only decides what is shown.
 */
public final class TokenSession {
  private static final String ROLLBACK =
      ManagementServiceGrpc.getRollbackMethod().getBareMethodName();

  private final AdminAuthInterceptor auth;

  public TokenSession(AdminAuthInterceptor auth) {
    this.auth = requireNonNull(auth, "auth");
  }

  /** {name, role, mayRollback}, or 401 when the header names no token. */
  public HttpAnswer describe(@Nullable String authorization) {
    Optional<Principal> principal;
    try {
      principal = auth.authenticate(authorization);
    } catch (RuntimeException e) {
      return HttpAnswer.error(503, "UNAVAILABLE", "cannot check the token: " + e.getMessage());
    }
    if (principal.isEmpty()) {
      return HttpAnswer.error(401, "UNAUTHENTICATED", "missing or invalid bearer token");
    }
    Principal p = principal.get();
    JsonObject o = new JsonObject();
    o.addProperty("name", p.name());
    o.addProperty("role", Principal.spelled(p.role()));
    o.addProperty("mayRollback", p.mayCall(requireNonNull(ROLLBACK, "ROLLBACK")));
    return HttpAnswer.json(200, o.toString());
  }
}
