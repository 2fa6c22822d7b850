package dev.concierge.controlplane.discovery;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes a {@link ConfigResponse} with its snapshot encoded once per revision and shared by every
 * stream: a push to a thousand nodes then costs one encoding and a thousand copies of its bytes,
 * instead of a thousand encodings on the snapshot thread. Only the small rest of each response (the
 * nonce) is encoded per stream. The bytes are exactly what protobuf itself writes. Thread-safe.
 */
final class SharedSnapshotMarshaller implements MethodDescriptor.Marshaller<ConfigResponse> {
  private static final int SNAPSHOT_FIELD = ConfigResponse.SNAPSHOT_FIELD_NUMBER;

  private final MethodDescriptor.Marshaller<ConfigResponse> plain =
      ProtoUtils.marshaller(ConfigResponse.getDefaultInstance());
  private final AtomicReference<Encoded> last = new AtomicReference<>();
  private final AtomicLong encodings = new AtomicLong();

  /** One snapshot instance and its bytes. */
  private record Encoded(ConfigSnapshot snapshot, ByteString bytes) {}

  @Override
  public InputStream stream(ConfigResponse value) {
    if (!value.hasSnapshot()) {
      return plain.stream(value);
    }
    ByteString snapshot = encoded(value.getSnapshot());
    ConfigResponse rest = value.toBuilder().clearSnapshot().build();
    int restSize = rest.getSerializedSize();
    byte[] head =
        new byte
            [restSize
                + CodedOutputStream.computeTagSize(SNAPSHOT_FIELD)
                + CodedOutputStream.computeUInt32SizeNoTag(snapshot.size())];
    CodedOutputStream out = CodedOutputStream.newInstance(head);
    try {
      // Protobuf writes fields in number order; the snapshot is the last field.
      rest.writeTo(out);
      out.writeTag(SNAPSHOT_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(snapshot.size());
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding into an array cannot fail", e);
    }
    return new Concatenation(head, snapshot);
  }

  @Override
  public ConfigResponse parse(InputStream stream) {
    return plain.parse(stream);
  }

  /** How many snapshots were encoded so far; for tests. */
  long encodings() {
    return encodings.get();
  }

  @SuppressWarnings("ReferenceEquality") // identity is the intent: see below
  private ByteString encoded(ConfigSnapshot snapshot) {
    Encoded e = last.get();
    // Identity: every stream sends the one instance that SnapshotCache built for the revision.
    if (e != null && e.snapshot() == snapshot) {
      return e.bytes();
    }
    Encoded fresh = new Encoded(snapshot, snapshot.toByteString());
    encodings.incrementAndGet();
    last.set(fresh);
    return fresh.bytes();
  }

  /** The head bytes then the shared snapshot bytes; gRPC drains it into its frame in one go. */
  private static final class Concatenation extends InputStream implements KnownLength, Drainable {
    private final byte[] head;
    private final ByteString body;
    private int position;

    Concatenation(byte[] head, ByteString body) {
      this.head = head;
      this.body = body;
    }

    private int size() {
      return head.length + body.size();
    }

    @Override
    public int available() {
      return size() - position;
    }

    @Override
    public int read() {
      if (position >= size()) {
        return -1;
      }
      int b = position < head.length ? head[position] : body.byteAt(position - head.length);
      position++;
      return b & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) {
      if (length == 0) {
        return 0;
      }
      if (position >= size()) {
        return -1;
      }
      int n = Math.min(length, available());
      int copied = 0;
      if (position < head.length) {
        int fromHead = Math.min(n, head.length - position);
        System.arraycopy(head, position, target, offset, fromHead);
        copied = fromHead;
      }
      if (copied < n) {
        int from = position + copied - head.length;
        body.substring(from, from + n - copied).copyTo(target, offset + copied);
      }
      position += n;
      return n;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = available();
      if (position == 0) {
        target.write(head);
        body.writeTo(target);
      } else {
        byte[] rest = new byte[n];
        read(rest, 0, n);
        target.write(rest);
      }
      position = size();
      return n;
    }
  }
}
