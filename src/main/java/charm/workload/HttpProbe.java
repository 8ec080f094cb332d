package charm.workload;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.0 GET over a plain socket: the status code or -1. Cheaper to load than any HTTP
 * client, which matters in update-status, a fresh JVM every five minutes.
 */
public final class HttpProbe {
  private HttpProbe() {}

  /**
   * GETs {@code path} and returns the status code, or -1 when nothing (or no HTTP) answers within
   * {@code timeoutMillis}, which covers the connect and the whole status line: a server that
   * sends a byte at a time cannot stretch it.
   */
  public static int get(String host, int port, String path, int timeoutMillis) {
    long end = System.nanoTime() + timeoutMillis * 1_000_000L;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), timeoutMillis);
      socket
          .getOutputStream()
          .write(("GET " + path + " HTTP/1.0\r\nHost: " + host + ":" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      byte[] head = new byte[12];
      int n = 0;
      while (n < head.length) {
        long left = (end - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return -1;
        }
        socket.setSoTimeout((int) left);
        int r = in.read(head, n, head.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
      String line = new String(head, 0, n, StandardCharsets.US_ASCII);
      if (n < 12 || !line.startsWith("HTTP/1.")) {
        return -1;
      }
      return Integer.parseInt(line.substring(9, 12));
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Polls until the URL answers with {@code expected} or the deadline passes. */
  public static boolean awaitStatus(String host, int port, String path, int expected, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (true) {
      if (get(host, port, path, 1000) == expected) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }
}
