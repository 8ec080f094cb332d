package charm.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The real Docker engine behind a unix socket of its own, which cuts the engine off the moment it
 * has answered one chosen request: the state a hook leaves when the machine reboots, the agent is
 * killed or the engine goes away right after that call. Requests pass through unchanged until a
 * request line matches the trigger; once its answer has started to come back, every later request
 * on any connection, and every new connection, is {@link Cut#HOLD held} (never forwarded, never
 * answered: the hook hangs there until it is killed) or {@link Cut#REFUSE refused} (the
 * connection is closed: the engine is unreachable).
 */
final class EngineTap implements AutoCloseable {
  /** What the engine does after the trigger. */
  enum Cut {
    HOLD,
    REFUSE
  }

  private final Path socket;
  private final ServerSocketChannel server;
  private final Pattern trigger;
  private final Cut cut;
  private final CountDownLatch tripped = new CountDownLatch(1);
  private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
  private final List<String> seen = new CopyOnWriteArrayList<>();

  private EngineTap(Path socket, Pattern trigger, Cut cut) throws IOException {
    this.socket = socket;
    this.trigger = trigger;
    this.cut = cut;
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread acceptor = new Thread(this::accept, "engine-tap");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Listens on {@code socket} (a path that must not exist yet).
   *
   * @param trigger matched against each request line, e.g. {@code POST /v1.41/containers/create?name=x HTTP/1.1}
   */
  static EngineTap start(Path socket, String trigger, Cut cut) {
    try {
      return new EngineTap(socket, Pattern.compile(trigger), cut);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path socket() {
    return socket;
  }

  /** Waits until the engine has started to answer the trigger request; false after the deadline. */
  boolean awaitTripped(Duration deadline) throws InterruptedException {
    return tripped.await(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Request lines seen so far, for failure messages. */
  List<String> seen() {
    return List.copyOf(seen);
  }

  private boolean isTripped() {
    return tripped.getCount() == 0;
  }

  private void accept() {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      open.add(client);
      if (isTripped()) {
        cutOff(client);
        continue;
      }
      Thread t = new Thread(() -> relay(client), "engine-tap-relay");
      t.setDaemon(true);
      t.start();
    }
  }

  /** A connection made or a request sent after the trigger: held open unanswered, or closed. */
  private void cutOff(SocketChannel client) {
    if (cut == Cut.REFUSE) {
      closeQuietly(client);
    }
  }

  /** One client connection: its own connection to the engine, a thread for each direction. */
  private void relay(SocketChannel client) {
    SocketChannel engine;
    try {
      engine = SocketChannel.open(UnixDomainSocketAddress.of(UnitRoot.ENGINE));
    } catch (IOException e) {
      closeQuietly(client);
      return;
    }
    open.add(engine);
    // true between a request of this connection that matched and the first bytes of its answer
    boolean[] triggerPending = {false};
    // true once the engine answered the last request: the client's next bytes start a new request
    boolean[] answered = {true};
    Thread back = new Thread(() -> {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      try {
        while (engine.read(buf.clear()) >= 0) {
          synchronized (answered) {
            answered[0] = true;
            if (triggerPending[0]) {
              triggerPending[0] = false;
              tripped.countDown();
            }
          }
          buf.flip();
          while (buf.hasRemaining()) {
            client.write(buf);
          }
        }
      } catch (IOException e) {
        // either side hung up
      }
      closeQuietly(client);
    }, "engine-tap-back");
    back.setDaemon(true);
    back.start();
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    try {
      while (client.read(buf.clear()) >= 0) {
        buf.flip();
        synchronized (answered) {
          if (answered[0]) {
            answered[0] = false;
            if (isTripped()) {
              cutOff(client);
              return; // held: nothing more is read or forwarded
            }
            String line = requestLine(buf);
            seen.add(line);
            triggerPending[0] = trigger.matcher(line).find();
          }
        }
        while (buf.hasRemaining()) {
          engine.write(buf);
        }
      }
    } catch (IOException e) {
      // either side hung up
    }
    closeQuietly(engine);
  }

  private static String requestLine(ByteBuffer buf) {
    String start = StandardCharsets.ISO_8859_1.decode(buf.duplicate()).toString();
    int end = start.indexOf("\r\n");
    return end < 0 ? start : start.substring(0, end);
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Stops listening and closes every connection, which ends the relay threads. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    open.forEach(EngineTap::closeQuietly);
    try {
      java.nio.file.Files.deleteIfExists(socket);
    } catch (IOException e) {
      // a temporary directory removes it
    }
  }
}
