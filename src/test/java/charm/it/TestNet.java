package charm.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Addresses and ports for tests that real clients (dockerd, skopeo) must reach. */
final class TestNet {
  private static final Pattern INET = Pattern.compile("\\binet (\\d+\\.\\d+\\.\\d+\\.\\d+)/");
  private static String hostAddress;

  private TestNet() {}

  /**
   * A non-loopback IPv4 address of this host that dockerd and containers reach: docker0's. A
   * registry on 127.0.0.1 proves nothing about TLS trust, because dockerd treats 127.0.0.0/8 as
   * an insecure registry and skips verification there.
   */
  static synchronized String hostAddress() {
    if (hostAddress == null) {
      String out = Cmd.ok("ip", "-4", "-o", "addr", "show", "docker0");
      Matcher m = INET.matcher(out);
      if (!m.find()) {
        throw new AssertionError("docker0 has no IPv4 address: " + out);
      }
      hostAddress = m.group(1);
    }
    return hostAddress;
  }

  /** A TCP port that was free a moment ago. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True when something accepts a TCP connection on {@code host:port}. */
  static boolean listening(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Polls until {@code host:port} accepts connections; fails early when {@code process} exits
   * and after {@code timeout}. {@code what} describes the server in the failure message.
   */
  static void awaitListening(String host, int port, Process process, Duration timeout, Supplier<String> what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!listening(host, port)) {
      if (!process.isAlive()) {
        throw new AssertionError(
            what.get() + " exited with " + process.exitValue() + " before listening on " + port);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what.get() + " does not listen on " + port + " after " + timeout);
      }
      try {
        process.waitFor(50, TimeUnit.MILLISECONDS); // returns at once if it exits
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
