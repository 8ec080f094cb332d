package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
}
