package dev.concierge.dataplane.identity;

import static java.util.Objects.requireNonNull;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jspecify.annotations.Nullable;

/**
 * Presents the node's current certificate on every new TLS connection to a control plane, and none
 * before the node has joined or once it expired (the control plane would refuse an expired one at
 * the handshake, the join included). A renewal takes effect on the next connection; connections
 * already open keep theirs. Thread-safe.
 */
public final class IdentityKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS_PREFIX = "node-";

  // A handshake asks for the alias, then its chain, then its key; the alias names the generation
  // so that a renewal between those calls cannot pair one identity's chain with another's key.
  private final AtomicReference<@Nullable Generation> current = new AtomicReference<>();
  private final AtomicReference<@Nullable Generation> previous = new AtomicReference<>();
  private final InstantSource clock;

  private record Generation(String alias, NodeIdentity identity) {}

  public IdentityKeyManager(InstantSource clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /** Presents this identity from the next connection on. */
  public synchronized void set(NodeIdentity identity) {
    requireNonNull(identity, "identity");
    Generation before = current.get();
    long n =
        before == null ? 1 : Long.parseLong(before.alias().substring(ALIAS_PREFIX.length())) + 1;
    previous.set(before);
    current.set(new Generation(ALIAS_PREFIX + n, identity));
  }

  /** The identity presented now, if any (expired ones included). */
  public Optional<NodeIdentity> identity() {
    Generation g = current.get();
    return g == null ? Optional.empty() : Optional.of(g.identity());
  }

  private @Nullable String usableAlias() {
    Generation g = current.get();
    return g != null && g.identity().validAt(clock.instant()) ? g.alias() : null;
  }

  private @Nullable NodeIdentity byAlias(@Nullable String alias) {
    for (Generation g : new Generation[] {current.get(), previous.get()}) {
      if (g != null && g.alias().equals(alias)) {
        return g.identity();
      }
    }
    return null;
  }

  @Override
  public @Nullable String chooseClientAlias(
      String[] keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return usableAlias();
  }

  @Override
  public @Nullable String chooseEngineClientAlias(
      String[] keyType, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
    return usableAlias();
  }

  @Override
  public X509Certificate @Nullable [] getCertificateChain(@Nullable String alias) {
    NodeIdentity id = byAlias(alias);
    return id == null ? null : id.chainArray();
  }

  @Override
  public @Nullable PrivateKey getPrivateKey(@Nullable String alias) {
    NodeIdentity id = byAlias(alias);
    return id == null ? null : id.key();
  }

  @Override
  public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
    String alias = usableAlias();
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
    return null;
  }

  @Override
  public @Nullable String chooseServerAlias(
      String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return null;
  }
}
