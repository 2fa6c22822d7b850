package dev.concierge.controlplane.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {
  @TempDir Path dir;

  @Test
  void createsOwnerOnlyRandomTokenOnceThenReadsIt() throws Exception {
    Path file = dir.resolve("admin.token");
    String token = TokenFile.readOrCreate(file);
    assertThat(Base64.getUrlDecoder().decode(token)).hasSize(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(TokenFile.readOrCreate(file)).isEqualTo(token);
    assertThat(TokenFile.readOrCreate(dir.resolve("node.token"))).isNotEqualTo(token);
  }
}
