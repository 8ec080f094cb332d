package charm.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A forward proxy on loopback that records what clients ask it for and answers every HTTP
 * request with an empty {@code 200 OK}, as if it had fetched it: an HTTP proxy (absolute-form
 * request lines) and a SOCKS5 proxy (no authentication, CONNECT only) on the same port, told apart
 * by the first byte. Enough to prove which proxy a client uses and how it addresses it; it never
 * connects anywhere. {@link #close()} stops it.
 */
final class RecordingProxy implements AutoCloseable {
  private static final int SOCKS_VERSION = 5;

  private final ServerSocket server;
  private final Thread acceptor;
  private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

  private RecordingProxy(ServerSocket server) {
    this.server = server;
    this.acceptor = new Thread(this::acceptAll, "recording-proxy");
    this.acceptor.setDaemon(true);
  }

  static RecordingProxy start() {
    return start(InetAddress.getLoopbackAddress());
  }

  /** A proxy listening on {@code address} (a container reaches docker0's address, not the host's loopback). */
  static RecordingProxy start(InetAddress address) {
    try {
      RecordingProxy proxy = new RecordingProxy(new ServerSocket(0, 16, address));
      proxy.acceptor.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return server.getLocalPort();
  }

  /**
   * What clients sent, in order: for HTTP the request line and the headers as received; for
   * SOCKS5 {@code "SOCKS5 CONNECT host:port"} followed by the tunnelled HTTP request's lines.
   */
  List<String> seen() {
    return new ArrayList<>(seen);
  }

  @Override
  public void close() {
    try {
      server.close();
      acceptor.join(5_000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptAll() {
    while (true) {
      Socket accepted;
      try {
        accepted = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try (Socket client = accepted) {
        client.setSoTimeout(10_000);
        serve(client.getInputStream(), client.getOutputStream());
      } catch (IOException e) {
        seen.add("ERROR " + e);
      }
    }
  }

  private void serve(InputStream rawIn, OutputStream out) throws IOException {
    DataInputStream in = new DataInputStream(rawIn);
    int first = in.read();
    if (first < 0) {
      return;
    }
    if (first == SOCKS_VERSION) {
      socks(in, out);
    } else {
      httpRequest(in, out, (char) first);
    }
  }

  /** RFC 1928: offer "no authentication", accept one CONNECT, then speak HTTP in the tunnel. */
  private void socks(DataInputStream in, OutputStream out) throws IOException {
    in.readNBytes(in.readUnsignedByte()); // the methods the client offers
    out.write(new byte[] {SOCKS_VERSION, 0});
    out.flush();
    byte[] head = in.readNBytes(4); // version, command, reserved, address type
    String host = switch (head[3]) {
      case 1 -> InetAddress.getByAddress(in.readNBytes(4)).getHostAddress();
      case 3 -> new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.US_ASCII);
      case 4 -> "[" + InetAddress.getByAddress(in.readNBytes(16)).getHostAddress() + "]";
      default -> throw new IOException("unknown SOCKS address type " + head[3]);
    };
    int port = in.readUnsignedShort();
    seen.add("SOCKS5 " + (head[1] == 1 ? "CONNECT" : "command " + head[1]) + " " + host + ":" + port);
    out.write(new byte[] {SOCKS_VERSION, 0, 0, 1, 0, 0, 0, 0, 0, 0}); // succeeded, bound 0.0.0.0:0
    out.flush();
    httpRequest(in, out, null);
  }

  /** Records one request's head (request line and headers) and answers 200 with no body. */
  private void httpRequest(InputStream in, OutputStream out, Character firstChar) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    if (firstChar != null) {
      head.write(firstChar);
    }
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
      if (!line.isEmpty()) {
        seen.add(line);
      }
    }
    out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }
}
