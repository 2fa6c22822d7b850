package dev.concierge.controlplane.auth;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** A bearer token kept in a file: 32 random bytes, base64url, created 0600 when absent. */
public final class TokenFile {
  private static final int TOKEN_BYTES = 32;

  private TokenFile() {}

  /** The token in the file, after creating the file with a fresh token if it does not exist. */
  public static String readOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      byte[] bytes = new byte[TOKEN_BYTES];
      new SecureRandom().nextBytes(bytes);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token + "\n");
      } catch (FileAlreadyExistsException raced) {
        // Another process created it first; read theirs below.
      }
    }
    String token = Files.readString(file).trim();
    if (token.isEmpty()) {
      throw new IOException(file + " is empty");
    }
    return token;
  }
}
