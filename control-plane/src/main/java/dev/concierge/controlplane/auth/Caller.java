package dev.concierge.controlplane.auth;

import io.grpc.Context;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Who makes the current management call: the name of the admin token it carries, put in the gRPC
 * {@link Context} by {@link AdminAuthInterceptor}.
 */
public final class Caller {
  private static final Context.Key<String> NAME = Context.key("concierge-caller");
  private static final Context.Key<AtomicReference<@Nullable String>> WITNESS =
      Context.key("concierge-caller-witness");

  private Caller() {}

  /**
   * The current call's token name.
   *
   * @throws IllegalStateException outside an authenticated management call: a write with no caller
   *     is a bug, and attributing it to "admin" would hide it in the audit log and the history
   */
  public static String name() {
    String name = NAME.get();
    if (name == null) {
      throw new IllegalStateException("no authenticated management call in this context");
    }
    return name;
  }

  /** The current call's token name, or null outside an authenticated call. */
  public static @Nullable String current() {
    return NAME.get();
  }

  /**
   * A child of the current context in which {@code name} is the caller: for work this process
   * starts itself and for tests that drive the management classes without a gRPC call, e.g. {@code
   * Caller.as("test").call(() -> flow.create(...))}.
   */
  public static Context as(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a caller needs a name");
    }
    return Context.current().withValue(NAME, name);
  }

  /**
   * A child of the current context in which authentication, once it succeeds, leaves the caller's
   * name in {@code holder}: how an interceptor outside authentication (the audit log) learns who
   * called even when the call completes off the context.
   */
  public static Context witnessed(AtomicReference<@Nullable String> holder) {
    return Context.current().withValue(WITNESS, holder);
  }

  /** The current context with the caller named, after telling any witness. */
  static Context authenticated(String name) {
    AtomicReference<@Nullable String> witness = WITNESS.get();
    if (witness != null) {
      witness.set(name);
    }
    return as(name);
  }
}
