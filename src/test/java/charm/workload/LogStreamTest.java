package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's log stream as lines: multiplexed frames (a container without a terminal) or plain text. */
class LogStreamTest {
  /** One frame: stream type, three zero bytes, the big-endian size, the payload. */
  static byte[] frame(int stream, String payload) {
    byte[] p = payload.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) stream, 0, 0, 0, (byte) (p.length >>> 24), (byte) (p.length >>> 16), (byte) (p.length >>> 8), (byte) p.length});
    out.writeBytes(p);
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void framesOfBothStreamsAreJoinedAndSplitIntoLines() {
    byte[] body = concat(frame(2, "configuration err"), frame(2, "or: bad\r\n"), frame(1, "Usage:\n\n  registry serve\n"));
    assertEquals(List.of("configuration error: bad", "Usage:", "  registry serve"), LogStream.lines(body, 1000));
  }

  @Test
  void aLongFrameIsReadWholeAndLongLinesAreCut() {
    String line = "x".repeat(70_000);
    assertEquals(List.of("x".repeat(100)), LogStream.lines(frame(2, line + "\n"), 100), "a size above 65535 is read as such");
  }

  @Test
  void aTruncatedFrameGivesWhatItHas() {
    byte[] whole = frame(2, "panic: boom\nmore");
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 2);
    assertEquals(List.of("panic: boom", "mo"), LogStream.lines(cut, 1000));
  }

  @Test
  void plainTextIsTakenAsIs() {
    assertEquals(List.of("panic: boom", "goroutine 1"), LogStream.lines("panic: boom\ngoroutine 1\n".getBytes(StandardCharsets.UTF_8), 1000));
    assertEquals(List.of(), LogStream.lines(new byte[0], 1000));
  }
}
