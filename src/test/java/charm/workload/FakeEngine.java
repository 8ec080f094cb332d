package charm.workload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the Docker engine on a unix socket that misbehaves on purpose: it serves every
 * connection with one {@link Behaviour}. Each connection gets its own daemon thread; {@link #close}
 * closes the listener and every connection, which ends those threads.
 */
public final class FakeEngine implements AutoCloseable {

  /** What the engine does with one accepted connection. */
  @FunctionalInterface
  public interface Behaviour {
    void serve(SocketChannel client) throws IOException, InterruptedException;
  }

  /** Reads the request and never answers (until the client hangs up). */
  public static final Behaviour SILENT = client -> drain(client);

  /** Reads the request, sends the start of the response headers, then stalls. */
  public static final Behaviour HALF_HEADERS = client -> {
    readHead(client);
    write(client, "HTTP/1.1 200 OK\r\nContent-Type: appl");
    drain(client);
  };

  /** Answers with bytes that are not HTTP and hangs up. */
  public static final Behaviour NOT_HTTP = client -> {
    readHead(client);
    write(client, "SSH-2.0-OpenSSH_9.2\r\n");
  };

  /** Sends one byte every 100 ms of a response that never ends. */
  public static final Behaviour DRIP = client -> {
    readHead(client);
    byte[] head = "HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; ; i++) {
      client.write(ByteBuffer.wrap(new byte[] {i < head.length ? head[i] : (byte) 'a'}));
      Thread.sleep(100);
    }
  };

  /**
   * Answers the first request of a connection with a chunked 200 whose first chunk is {@code
   * chunk}, then stalls: a pull or push whose progress stream stops.
   */
  public static Behaviour streamThenStall(String chunk) {
    return client -> {
      readHead(client);
      byte[] body = chunk.getBytes(StandardCharsets.UTF_8);
      write(client, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
          + Integer.toHexString(body.length) + "\r\n" + chunk + "\r\n");
      drain(client);
    };
  }

  /**
   * Answers every request on the connection with {@code status} and a JSON body; hangs up after
   * an HTTP/1.0 request, as dockerd does.
   */
  public static Behaviour answer(int status, String json) {
    return client -> {
      String head;
      while ((head = readHead(client)) != null) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        write(client, "HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length + "\r\n\r\n" + json);
        if (head.substring(0, head.indexOf("\r\n")).endsWith("HTTP/1.0")) {
          return;
        }
      }
    };
  }

  private final Path socket;
  private final ServerSocketChannel server;
  private final Behaviour behaviour;
  private final List<SocketChannel> clients = new CopyOnWriteArrayList<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();

  private FakeEngine(Path socket, Behaviour behaviour) throws IOException {
    this.socket = socket;
    this.behaviour = behaviour;
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread acceptor = new Thread(this::accept, "fake-engine-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Listens on {@code socket} (a path that must not exist yet). */
  public static FakeEngine start(Path socket, Behaviour behaviour) {
    try {
      return new FakeEngine(socket, behaviour);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path socket() {
    return socket;
  }

  /** Connections accepted so far. */
  public int connections() {
    return clients.size();
  }

  /** First lines of the requests read so far ("GET /_ping HTTP/1.0"). */
  public List<String> requests() {
    return new ArrayList<>(requests);
  }

  private void accept() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        clients.add(client);
        Thread t = new Thread(() -> serve(client), "fake-engine-client");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(SocketChannel client) {
    RECORDER.set(requests);
    try (client) {
      behaviour.serve(client);
    } catch (IOException | InterruptedException e) {
      // the client hung up or the engine was closed
    }
  }

  /** Where {@link #readHead} records request lines: the engine serving this thread's client. */
  private static final ThreadLocal<List<String>> RECORDER = new ThreadLocal<>();

  /**
   * Reads one request head (up to the blank line) and returns it, or null at end of stream. A
   * request body (docker-java sends JSON with POSTs) is read with the head when it arrived with it.
   */
  static String readHead(SocketChannel client) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (true) {
      one.clear();
      if (client.read(one) < 0) {
        return null;
      }
      head.write(one.get(0));
      String text = head.toString(StandardCharsets.ISO_8859_1);
      if (text.endsWith("\r\n\r\n")) {
        int length = contentLength(text);
        if (length > 0) {
          ByteBuffer body = ByteBuffer.allocate(length);
          while (body.hasRemaining() && client.read(body) >= 0) {
            // keep reading the body
          }
        }
        List<String> recorder = RECORDER.get();
        if (recorder != null) {
          recorder.add(text.substring(0, text.indexOf("\r\n")));
        }
        return text;
      }
    }
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        return Integer.parseInt(line.substring(15).strip());
      }
    }
    return 0;
  }

  private static void drain(SocketChannel client) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    while (client.read(buffer) >= 0) {
      buffer.clear();
    }
  }

  private static void write(SocketChannel client, String text) throws IOException {
    ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    while (out.hasRemaining()) {
      client.write(out);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
      for (SocketChannel c : clients) {
        c.close();
      }
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
