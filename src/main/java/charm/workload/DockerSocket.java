package charm.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Read-only Docker Engine API calls (HTTP/1.0 GET) over the engine's unix socket.
 *
 * <p>Why not docker-java here: every hook is a fresh JVM, and creating a docker-java client costs
 * about 250 ms of class loading before the first request. Most hooks only need to confirm that
 * the container already matches the plan, which takes one or two GETs; docker-java is created
 * only when something has to change.
 */
final class DockerSocket {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path socket;

  DockerSocket(Path socket) {
    this.socket = socket;
  }

  /** The response to a GET. */
  record Response(int status, String text) {
    /** The body parsed as JSON. */
    JsonNode body() {
      try {
        return text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
      } catch (IOException e) {
        throw new IllegalStateException("Docker engine sent a body that is not JSON", e);
      }
    }
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
    String text = new String(raw, StandardCharsets.UTF_8);
    int headerEnd = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.") || headerEnd < 0) {
      throw new IOException("not an HTTP response");
    }
    int status = Integer.parseInt(text.substring(9, 12));
    return new Response(status, text.substring(headerEnd + 4).strip());
  }

  /** Percent-encodes a query parameter value. */
  static String encode(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
