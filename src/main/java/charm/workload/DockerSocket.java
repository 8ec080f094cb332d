package charm.workload;

import charm.juju.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Read-only Docker Engine API calls (HTTP/1.0 GET) over the engine's unix socket.
 *
 * <p>Why not docker-java here: every hook is a fresh JVM, and creating a docker-java client costs
 * about 250 ms of class loading before the first request. Most hooks only need to confirm that
 * the container already matches the plan, which takes one or two GETs; docker-java is created
 * only when something has to change.
 *
 * <p>Every GET has one deadline for connect, request and the whole response: a unix-socket channel
 * has no read timeout in blocking mode, so the channel is non-blocking and a {@link Selector}
 * waits for at most the time left. An engine that accepts the connection and never answers (or
 * answers a byte at a time) costs a hook {@link #DEADLINE}, not forever.
 */
final class DockerSocket {
  /** Connect, request and response of one GET together. */
  static final Duration DEADLINE = Duration.ofSeconds(10);

  private final Path socket;
  private final Duration deadline;

  DockerSocket(Path socket) {
    this(socket, DEADLINE);
  }

  /** For tests: a shorter deadline. */
  DockerSocket(Path socket, Duration deadline) {
    this.socket = socket;
    this.deadline = deadline;
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

  /**
   * GETs {@code path} (already encoded) and returns the status and body.
   *
   * @throws EngineUnavailable when the socket is missing or refuses, the deadline passes, or the
   *     answer is not HTTP
   */
  Response get(String path) {
    long end = System.nanoTime() + deadline.toNanos();
    byte[] raw;
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      SelectionKey key = channel.register(selector, 0);
      if (!channel.connect(UnixDomainSocketAddress.of(socket))) {
        await(key, SelectionKey.OP_CONNECT, end, path);
        channel.finishConnect();
      }
      ByteBuffer request =
          ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      while (request.hasRemaining()) {
        if (channel.write(request) == 0) {
          await(key, SelectionKey.OP_WRITE, end, path);
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(16384);
      int n;
      while ((n = channel.read(buffer)) >= 0) {
        if (n == 0) {
          await(key, SelectionKey.OP_READ, end, path);
          continue;
        }
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      raw = out.toByteArray();
    } catch (IOException e) {
      // Missing socket, nobody listening, permission denied, connection reset: the engine is not there.
      throw new EngineUnavailable("socket " + socket + ": " + String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT), e);
    }
    Response response = parse(raw);
    if (response == null) {
      throw new EngineUnavailable("sent a response that is not HTTP (" + EngineUnavailable.request("GET", path) + ")");
    }
    return response;
  }

  /** Waits until the channel is ready for {@code op}, or throws at the deadline. */
  private void await(SelectionKey key, int op, long end, String path) throws IOException {
    key.interestOps(op);
    while (true) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw EngineUnavailable.timedOut(deadline, "GET", path);
      }
      // select(ms) with 0 means forever: wait at least 1 ms.
      if (key.selector().select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))) > 0) {
        key.selector().selectedKeys().clear();
        return;
      }
    }
  }

  /** Status and body, or null when {@code raw} is not an HTTP response. */
  private static Response parse(byte[] raw) {
    String head = new String(raw, 0, Math.min(raw.length, 8192), StandardCharsets.ISO_8859_1);
    int headerEnd = head.indexOf("\r\n\r\n");
    if (!head.startsWith("HTTP/1.") || headerEnd < 12) {
      return null;
    }
    try {
      int status = Integer.parseInt(head.substring(9, 12));
      return new Response(status, Arrays.copyOfRange(raw, headerEnd + 4, raw.length));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Percent-encodes a query parameter value. */
  static String encode(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
