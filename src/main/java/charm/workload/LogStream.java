package charm.workload;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of the engine's {@code GET /containers/{id}/logs} as lines. A container without a
 * terminal (ours) gets a multiplexed stream: frames of an 8-byte header (stream type 0, 1 or 2,
 * three zero bytes, the payload size as a big-endian 32-bit number) and the payload. Anything
 * else is taken as plain text. Pure.
 */
final class LogStream {
  private LogStream() {}

  /** The lines of the body, oldest first, each cut at {@code maxChars}; blank lines dropped. */
  static List<String> lines(byte[] body, int maxChars) {
    byte[] text = multiplexed(body) ? payloads(body) : body;
    List<String> lines = new ArrayList<>();
    for (String line : new String(text, StandardCharsets.UTF_8).split("\n")) {
      String trimmed = line.stripTrailing();
      if (!trimmed.isBlank()) {
        lines.add(trimmed.length() > maxChars ? trimmed.substring(0, maxChars) : trimmed);
      }
    }
    return lines;
  }

  private static boolean multiplexed(byte[] body) {
    return body.length >= 8 && body[0] >= 0 && body[0] <= 2 && body[1] == 0 && body[2] == 0 && body[3] == 0;
  }

  /** The frames' payloads, concatenated; a truncated last frame gives what it has. */
  private static byte[] payloads(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
    int at = 0;
    while (at + 8 <= body.length) {
      long size = ((body[at + 4] & 0xffL) << 24) | ((body[at + 5] & 0xff) << 16) | ((body[at + 6] & 0xff) << 8) | (body[at + 7] & 0xff);
      int start = at + 8;
      int end = (int) Math.min(body.length, start + size);
      out.write(body, start, end - start);
      at = end;
    }
    return out.toByteArray();
  }
}
