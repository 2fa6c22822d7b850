package dev.concierge.cli;

/**
 * A failure the user should read as one line on stderr with exit code 1: the message says what went
 * wrong in the user's terms, without a stack trace.
 */
final class CommandFailure extends RuntimeException {

  CommandFailure(String message) {
    super(message);
  }

  CommandFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
