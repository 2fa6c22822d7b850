package dev.concierge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Files of CIDR blocks for IP access lists, one block per line; blank lines and {@code #} comments
 * (whole lines or after a block) are skipped. The control plane checks the blocks themselves.
 */
final class CidrFiles {
  private CidrFiles() {}

  /** The blocks of {@code file}, in order. */
  static List<String> read(Path file) throws IOException {
    List<String> blocks = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      int comment = line.indexOf('#');
      String block = (comment < 0 ? line : line.substring(0, comment)).strip();
      if (!block.isEmpty()) {
        blocks.add(block);
      }
    }
    return blocks;
  }
}
