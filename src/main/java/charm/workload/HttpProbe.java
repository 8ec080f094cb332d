package charm.workload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal HTTP/1.0 GET over a plain (or TLS) socket with one deadline for the connect and the whole
 * response head: a server that sends a byte at a time cannot stretch it. Cheaper to load than any
 * HTTP client, which matters in update-status, a fresh JVM every five minutes.
 */
public final class HttpProbe {
  /** The header every distribution registry sends on {@code /v2/}, whatever the status. */
  static final String API_HEADER = "docker-distribution-api-version";

  private static final int MAX_HEAD = 16384;

  private HttpProbe() {}

  /** The status line's code and the response head, or code -1. */
  record Head(int status, String text) {
    /** Whether a header (name compared without case) has exactly this value. */
    boolean hasHeader(String name, String value) {
      for (String line : text.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0
            && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)
            && line.substring(colon + 1).trim().equals(value)) {
          return true;
        }
      }
      return false;
    }
  }

  /** The status code of {@code GET path}, or -1 when nothing (or not HTTP) answers in time. */
  public static int get(String host, int port, String path, int timeoutMillis) {
    return head(host, port, path, timeoutMillis).status();
  }

  /**
   * Whether a distribution registry answers on the port: {@code GET /v2/} carries {@code
   * Docker-Distribution-Api-Version: registry/2.0} (with any status: 200 open, 401 with auth).
   * Anything else that happens to listen there does not count.
   */
  public static boolean isRegistry(String host, int port, int timeoutMillis) {
    return isRegistry(host, port, timeoutMillis, null);
  }

  /** {@link #isRegistry(String, int, int)} over TLS when {@code tls} is not null. */
  public static boolean isRegistry(String host, int port, int timeoutMillis, SSLSocketFactory tls) {
    Head head = head(host, port, "/v2/", timeoutMillis, tls);
    return head.status() > 0 && head.hasHeader(API_HEADER, "registry/2.0");
  }

  static Head head(String host, int port, String path, int timeoutMillis) {
    return head(host, port, path, timeoutMillis, null);
  }

  static Head head(String host, int port, String path, int timeoutMillis, SSLSocketFactory tls) {
    long end = System.nanoTime() + timeoutMillis * 1_000_000L;
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(host, port), timeoutMillis);
      // The TLS client's last handshake message and the request are two small writes: with Nagle
      // on, the request waits for an ACK that the server delays (40 ms measured).
      plain.setTcpNoDelay(true);
      Socket socket = plain;
      if (tls != null) {
        plain.setSoTimeout(timeoutMillis);
        SSLSocket ssl = (SSLSocket) tls.createSocket(plain, host, port, true);
        ssl.startHandshake();
        socket = ssl;
      }
      socket
          .getOutputStream()
          .write(("GET " + path + " HTTP/1.0\r\nHost: " + host + ":" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String text = readHead(socket, end);
      if (text == null || text.length() < 12 || !text.startsWith("HTTP/1.")) {
        return new Head(-1, "");
      }
      return new Head(Integer.parseInt(text.substring(9, 12)), text);
    } catch (IOException | NumberFormatException e) {
      return new Head(-1, "");
    }
  }

  /** Reads up to the blank line that ends the headers (or the end of the stream); null past {@code end}. */
  private static String readHead(Socket socket, long end) throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    byte[] buffer = new byte[2048];
    while (head.size() < MAX_HEAD) {
      long left = (end - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return null;
      }
      socket.setSoTimeout((int) left);
      int n = in.read(buffer);
      if (n < 0) {
        break;
      }
      head.write(buffer, 0, n);
      String text = head.toString(StandardCharsets.ISO_8859_1);
      int blank = text.indexOf("\r\n\r\n");
      if (blank >= 0) {
        return text.substring(0, blank);
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** Polls until the URL answers with {@code expected} or the deadline passes. */
  public static boolean awaitStatus(String host, int port, String path, int expected, long timeoutMillis) {
    return await(() -> get(host, port, path, 1000) == expected, () -> true, timeoutMillis);
  }

  /**
   * Polls until a registry answers on the port ({@link #isRegistry}), the deadline passes, or
   * {@code keepWaiting} says there is no point (for example, the container exited).
   */
  public static boolean awaitRegistry(String host, int port, BooleanSupplier keepWaiting, long timeoutMillis) {
    return awaitRegistry(host, port, null, keepWaiting, timeoutMillis);
  }

  /** {@link #awaitRegistry(String, int, BooleanSupplier, long)} over TLS when {@code tls} is not null. */
  public static boolean awaitRegistry(String host, int port, SSLSocketFactory tls, BooleanSupplier keepWaiting, long timeoutMillis) {
    return await(() -> isRegistry(host, port, 1000, tls), keepWaiting, timeoutMillis);
  }

  private static boolean await(BooleanSupplier done, BooleanSupplier keepWaiting, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    long nextCheck = System.nanoTime() + 500_000_000L;
    while (true) {
      if (done.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      if (System.nanoTime() > nextCheck) {
        if (!keepWaiting.getAsBoolean()) {
          return false;
        }
        nextCheck = System.nanoTime() + 500_000_000L;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }
}
