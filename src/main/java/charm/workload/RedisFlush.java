package charm.workload;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Empties the registry's redis database (the blob descriptor cache of {@code
 * storage-cache=redis}): {@code AUTH} when there is a password, {@code SELECT db}, {@code
 * FLUSHDB}, in redis' own protocol (RESP) over a plain socket; no client library for three
 * commands. One deadline covers the name lookup, the connect and every answer.
 *
 * <p>The password travels only to redis: no message of this class holds it, also not an error text
 * redis sent back.
 */
public final class RedisFlush {
  /** Connecting: an address that drops packets must not hold the action. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** Everything, answers included: FLUSHDB of a large database takes a while. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** Longest answer line read; redis answers these commands with a short status or error. */
  private static final int MAX_LINE = 4096;

  /** Why the database was not flushed; the text never holds the password. */
  public static final class Failure extends Exception {
    Failure(String message) {
      super(message);
    }
  }

  private final String host;
  private final int port;
  private final String password;
  private final long db;

  /**
   * @param address {@code host:port} or {@code [v6]:port} (storage-cache-redis-address)
   * @param password "" for none
   */
  public RedisFlush(String address, String password, long db) {
    int colon = address.lastIndexOf(':');
    String h = colon < 0 ? address : address.substring(0, colon);
    this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    int p;
    try {
      p = colon < 0 ? 6379 : Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      p = -1;
    }
    this.port = p;
    this.password = password == null ? "" : password;
    this.db = db;
  }

  /** Flushes with {@link #CONNECT_TIMEOUT} and {@link #TIMEOUT}. */
  public void flush() throws Failure {
    flush(CONNECT_TIMEOUT, TIMEOUT);
  }

  /** Flushes the database; returns once redis said OK, else throws with the reason. */
  public void flush(Duration connectTimeout, Duration timeout) throws Failure {
    if (port < 1 || port > 65535) {
      throw new Failure("no port in the redis address");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    InetAddress address = lookUp(deadline);
    try (Socket socket = new Socket()) {
      long connectMillis = Math.max(1, Math.min(connectTimeout.toMillis(), left(deadline)));
      try {
        socket.connect(new InetSocketAddress(address, port), (int) connectMillis);
      } catch (SocketTimeoutException e) {
        throw new Failure("no connection within " + connectMillis + " ms");
      }
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      if (!password.isEmpty()) {
        send(out, "AUTH", password);
        expectOk(socket, in, deadline, "AUTH");
      }
      send(out, "SELECT", String.valueOf(db));
      expectOk(socket, in, deadline, "SELECT " + db);
      send(out, "FLUSHDB");
      expectOk(socket, in, deadline, "FLUSHDB");
    } catch (SocketTimeoutException e) {
      throw new Failure("no answer within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      throw new Failure(clean(String.valueOf(e.getMessage())));
    }
  }

  /** The server's address; a name is looked up on a helper thread, so the deadline holds for DNS too. */
  private InetAddress lookUp(long deadline) throws Failure {
    FutureTask<InetAddress> lookup = new FutureTask<>(() -> InetAddress.getByName(host));
    Thread thread = new Thread(lookup, "redis-lookup");
    thread.setDaemon(true);
    thread.start();
    try {
      return lookup.get(Math.max(1, left(deadline)), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      thread.interrupt();
      throw new Failure("looking up " + host + " took too long");
    } catch (ExecutionException e) {
      throw new Failure(e.getCause() instanceof UnknownHostException ? "unknown host " + host : clean(String.valueOf(e.getCause().getMessage())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted while looking up " + host);
    }
  }

  /** One command as a RESP array of bulk strings. */
  private static void send(OutputStream out, String... words) throws IOException {
    ByteArrayOutputStream command = new ByteArrayOutputStream();
    command.writeBytes(("*" + words.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String word : words) {
      byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
      command.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      command.writeBytes(bytes);
      command.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.write(command.toByteArray());
    out.flush();
  }

  /** Reads one answer: {@code +OK} passes, an error ({@code -...}) or anything else fails. */
  private void expectOk(Socket socket, InputStream in, long deadline, String what) throws IOException, Failure {
    String line = readLine(socket, in, deadline);
    if (line.equals("+OK")) {
      return;
    }
    if (line.startsWith("-")) {
      throw new Failure("redis refused " + what + ": " + clean(line.substring(1)));
    }
    throw new Failure("unexpected answer to " + what + " (not redis?)");
  }

  /** A CRLF-terminated line, each read bounded by what is left of the deadline. */
  private static String readLine(Socket socket, InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      long left = left(deadline);
      if (left <= 0) {
        throw new SocketTimeoutException();
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
      int b = in.read();
      if (b < 0) {
        throw new IOException("redis closed the connection");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("redis answered with an overlong line");
      }
      line.write(b);
    }
  }

  private static long left(long deadline) {
    return (deadline - System.nanoTime()) / 1_000_000;
  }

  /** A text for messages: printable, short and without the password, whatever redis or the JDK put in it. */
  private String clean(String text) {
    String shown = password.isEmpty() ? text : text.replace(password, "<password>");
    shown = shown.replaceAll("\\p{Cntrl}", " ").strip();
    return shown.length() > 200 ? shown.substring(0, 200) + "…" : shown;
  }

  @Override
  public String toString() {
    return "redis database " + db + " at " + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
