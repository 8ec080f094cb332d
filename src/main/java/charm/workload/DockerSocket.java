package charm.workload;

import charm.juju.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Read-only Docker Engine API calls (HTTP/1.0 GET) over the engine's unix socket.
 *
 * <p>Why not docker-java here: every hook is a fresh JVM, and creating a docker-java client costs
 * about 250 ms of class loading before the first request. Most hooks only need to confirm that
 * the container already matches the plan, which takes one or two GETs; docker-java is created
 * only when something has to change.
 */
final class DockerSocket {
  private final Path socket;

  DockerSocket(Path socket) {
    this.socket = socket;
  }

  /** The response to a GET. */
  record Response(int status, byte[] text) {
    /** The body as plain JSON values. */
    Object body() {
      try {
        return Json.parse(text);
      } catch (Json.ParseException e) {
        throw new IllegalStateException("Docker engine sent a body that is " + e.getMessage());
      }
    }

    /** The body as a JSON object; empty when it is something else. */
    @SuppressWarnings("unchecked")
    Map<String, Object> object() {
      return body() instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }
  }

  /** {@code map[k1][k2]...}, or null where a step is missing. */
  @SuppressWarnings("unchecked")
  static Object path(Object node, String... keys) {
    for (String key : keys) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = ((Map<String, Object>) map).get(key);
    }
    return node;
  }

  /** GETs {@code path} (already encoded) and parses the JSON body; throws when unreachable. */
  Response get(String path) {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer request =
          ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      while (request.hasRemaining()) {
        channel.write(request);
      }
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(16384);
      while (channel.read(buffer) >= 0) {
        raw.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      return parse(raw.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("Docker engine socket " + socket + ": " + e.getMessage(), e);
    }
  }

  private static Response parse(byte[] raw) throws IOException {
    String head = new String(raw, 0, Math.min(raw.length, 8192), StandardCharsets.ISO_8859_1);
    int headerEnd = head.indexOf("\r\n\r\n");
    if (!head.startsWith("HTTP/1.") || headerEnd < 0) {
      throw new IOException("not an HTTP response");
    }
    int status = Integer.parseInt(head.substring(9, 12));
    return new Response(status, Arrays.copyOfRange(raw, headerEnd + 4, raw.length));
  }

  /** Percent-encodes a query parameter value. */
  static String encode(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
