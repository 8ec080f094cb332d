package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpProbeTest {
  @Test
  void readsTheStatusCode() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = server.accept()) {
          s.getInputStream().read(new byte[256]);
          OutputStream out = s.getOutputStream();
          out.write("HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (Exception ignored) {
          // the assertion below fails instead
        }
      });
      t.start();
      assertEquals(418, HttpProbe.get("127.0.0.1", server.getLocalPort(), "/", 2000));
      t.join();
    }
  }

  @Test
  void closedPortIsMinusOne() throws Exception {
    int port;
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = server.getLocalPort();
    }
    assertEquals(-1, HttpProbe.get("127.0.0.1", port, "/", 500));
    assertFalse(HttpProbe.awaitStatus("127.0.0.1", port, "/", 200, 300));
  }

  @Test
  void theTimeoutCoversTheWholeStatusLineNotEachRead() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = server.accept()) {
          s.getInputStream().read(new byte[256]);
          OutputStream out = s.getOutputStream();
          // One byte every 200 ms: each read is quick, the status line takes 2.4 s.
          for (byte b : "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII)) {
            out.write(b);
            out.flush();
            Thread.sleep(200);
          }
        } catch (Exception ignored) {
          // the probe hung up
        }
      });
      t.setDaemon(true);
      t.start();
      long start = System.nanoTime();
      assertEquals(-1, HttpProbe.get("127.0.0.1", server.getLocalPort(), "/", 500));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(millis < 2000, "gave up after " + millis + " ms");
    }
  }

  /** What the registry's health handler sends when its storage check fails (no API header). */
  static final String UNHEALTHY = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
      + "Content-Length: 0\r\n\r\n";

  @Test
  void aRegistryFailingItsHealthCheckIsUnhealthyNotAbsent() throws Exception {
    assertEquals(RegistryProbe.Answer.UNHEALTHY, answerTo(UNHEALTHY));
    assertEquals(RegistryProbe.Answer.REGISTRY, answerTo(
        "HTTP/1.1 401 Unauthorized\r\nDocker-Distribution-Api-Version: registry/2.0\r\nContent-Length: 0\r\n\r\n"));
    assertEquals(RegistryProbe.Answer.NONE, answerTo("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    assertEquals(RegistryProbe.Answer.NONE, answerTo("garbage\r\n\r\n"));
  }

  /** The probe's answer when a server sends {@code response} to its request. */
  private static RegistryProbe.Answer answerTo(String response) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = server.accept()) {
          s.getInputStream().read(new byte[256]);
          s.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
        } catch (Exception ignored) {
          // the assertion fails instead
        }
      });
      t.start();
      RegistryProbe.Answer answer = RegistryProbe.http("127.0.0.1", server.getLocalPort()).answer(2000);
      t.join();
      return answer;
    }
  }
}
