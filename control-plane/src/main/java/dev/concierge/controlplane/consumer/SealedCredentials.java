package dev.concierge.controlplane.consumer;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerCredentials;
import dev.concierge.api.v1.ConsumerKey;

/**
 * A consumer's credentials as the store keeps them: {@link ConsumerCredentials} as protobuf JSON,
 * encrypted with the control plane's key cipher and bound to the consumer's name (as a
 * certificate's private key). Also the two views of a consumer: with hashes, for nodes only ({@link
 * #forNodes}), and without, for the API ({@link #forPeople}). Immutable and thread-safe.
 */
public final class SealedCredentials {
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private final KeyCipher cipher;

  public SealedCredentials(KeyCipher cipher) {
    this.cipher = requireNonNull(cipher, "cipher");
  }

  /** The sealed text of {@code credentials} for the consumer named {@code consumer}. */
  public String seal(ConsumerCredentials credentials, String consumer) {
    try {
      return cipher.encrypt(PRINTER.print(credentials), consumer);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print consumer credentials", e);
    }
  }

  /** The credentials {@code sealed} holds for the consumer named {@code consumer}. */
  public ConsumerCredentials unseal(String sealed, String consumer) {
    ConsumerCredentials.Builder out = ConsumerCredentials.newBuilder();
    try {
      PARSER.merge(cipher.decrypt(sealed, consumer), out);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored credentials of " + consumer + " do not parse", e);
    }
    return out.build();
  }

  /** {@code spec} with its credentials, hashes included: what a node needs to verify callers. */
  public static Consumer forNodes(Consumer spec, ConsumerCredentials credentials) {
    return spec.toBuilder()
        .clearKeys()
        .clearBasicCredentials()
        .addAllKeys(credentials.getKeysList())
        .addAllBasicCredentials(credentials.getBasicCredentialsList())
        .build();
  }

  /** {@code spec} with its credentials' ids, prefixes, usernames and times, never a hash. */
  public static Consumer forPeople(Consumer spec, ConsumerCredentials credentials) {
    Consumer.Builder out = spec.toBuilder().clearKeys().clearBasicCredentials();
    for (ConsumerKey key : credentials.getKeysList()) {
      out.addKeys(key.toBuilder().clearSha256());
    }
    for (BasicCredential basic : credentials.getBasicCredentialsList()) {
      out.addBasicCredentials(basic.toBuilder().clearPasswordHash());
    }
    return out.build();
  }
}
