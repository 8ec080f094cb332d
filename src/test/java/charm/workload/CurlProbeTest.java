package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.tls.Keys;
import charm.tls.TestCerts;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The machine's real curl against a real TLS server (the JDK's, answering like a registry or not,
 * verifying client certificates or not): curl's yes needs the pinned key, the client certificate
 * when asked for, and the distribution API header.
 */
class CurlProbeTest {
  static final String REGISTRY = "HTTP/1.1 401 Unauthorized\r\nDocker-Distribution-Api-Version: registry/2.0\r\nContent-Length: 0\r\n\r\n";

  @TempDir Path tmp;
  CurlProbe curl;
  TestCerts.Made served;
  TestCerts.Made client;
  Path clientCert;
  Path clientKey;

  @BeforeEach
  void setUp() throws IOException {
    curl = CurlProbe.find().orElse(null);
    Assumptions.assumeTrue(curl != null, "no curl on this machine (scripts/ensure-env.sh installs it)");
    Instant now = Instant.now();
    served = TestCerts.selfSigned("registry.example", List.of("DNS:registry.example"), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    client = TestCerts.selfSigned("unit-client", List.of(), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    clientCert = Files.writeString(tmp.resolve("client.crt"), client.certPem());
    clientKey = Files.writeString(tmp.resolve("client.key"), client.keyPem());
  }

  /** A TLS server on loopback that answers every request with {@code response}; counts the requests it reads. */
  final class Server implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger requests = new AtomicInteger();

    Server(TestCerts.Made cert, String trustedClientPem, String response) throws Exception {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("served", Keys.privateKey(cert.keyPem()), new char[0], new Certificate[] {certificate(cert.certPem())});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      if (trustedClientPem != null) {
        trust.setCertificateEntry("client", certificate(trustedClientPem));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      SSLServerSocket s = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress());
      s.setNeedClientAuth(trustedClientPem != null);
      socket = s;
      Thread t = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket c = socket.accept()) {
            c.setSoTimeout(5000);
            InputStream in = c.getInputStream();
            StringBuilder head = new StringBuilder();
            while (head.indexOf("\r\n\r\n") < 0) {
              int b = in.read();
              if (b < 0) {
                break;
              }
              head.append((char) b);
            }
            if (head.indexOf("GET /v2/ ") == 0) {
              requests.incrementAndGet();
            }
            c.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
          } catch (IOException e) {
            // a refused handshake, or the server closed
          }
        }
      });
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static Certificate certificate(String pem) throws Exception {
    return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void theServedKeyAndTheClientCertificateGetTheRegistrysAnswer() throws Exception {
    try (Server s = new Server(served, client.certPem(), REGISTRY)) {
      assertTrue(curl.answers("127.0.0.1", s.port(), CurlProbe.pin(served.certPem()), clientCert, clientKey, 3000));
      assertEquals(1, s.requests.get());
    }
  }

  @Test
  void anotherKeyIsRefusedBeforeTheRequestIsSent() throws Exception {
    TestCerts.Made other = TestCerts.selfSigned("registry.example", List.of("DNS:registry.example"), Instant.now().minusSeconds(60),
        Instant.now().plus(Duration.ofDays(1)));
    try (Server s = new Server(other, client.certPem(), REGISTRY)) {
      assertFalse(curl.answers("127.0.0.1", s.port(), CurlProbe.pin(served.certPem()), clientCert, clientKey, 3000));
      assertEquals(0, s.requests.get(), "nothing sent to a server without the pinned key");
      assertTrue(curl.answers("127.0.0.1", s.port(), CurlProbe.pin(other.certPem()), clientCert, clientKey, 3000), "the same server with its own pin");
    }
  }

  @Test
  void aRegistryVerifyingClientsRefusesAProbeWithoutOrWithAnotherCertificate() throws Exception {
    TestCerts.Made stranger = TestCerts.selfSigned("stranger", List.of(), Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)));
    try (Server s = new Server(served, client.certPem(), REGISTRY)) {
      String pin = CurlProbe.pin(served.certPem());
      assertFalse(curl.answers("127.0.0.1", s.port(), pin, null, null, 3000));
      assertFalse(curl.answers("127.0.0.1", s.port(), pin, Files.writeString(tmp.resolve("s.crt"), stranger.certPem()),
          Files.writeString(tmp.resolve("s.key"), stranger.keyPem()), 3000));
      assertEquals(0, s.requests.get());
    }
    try (Server open = new Server(served, null, REGISTRY)) {
      assertTrue(curl.answers("127.0.0.1", open.port(), CurlProbe.pin(served.certPem()), null, null, 3000), "no client certificate asked for");
    }
  }

  @Test
  void anHttpsServerWithoutTheApiHeaderIsNotARegistry() throws Exception {
    try (Server s = new Server(served, client.certPem(), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) {
      assertFalse(curl.answers("127.0.0.1", s.port(), CurlProbe.pin(served.certPem()), clientCert, clientKey, 3000));
      assertEquals(1, s.requests.get());
    }
  }

  @Test
  void nothingListeningOrASilentServerIsNoWithinTheDeadline() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertFalse(curl.answers("127.0.0.1", closed, CurlProbe.pin(served.certPem()), clientCert, clientKey, 1000));
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      long start = System.nanoTime();
      assertFalse(curl.answers("127.0.0.1", silent.getLocalPort(), CurlProbe.pin(served.certPem()), clientCert, clientKey, 700));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(millis < 1500, "gave up after " + millis + " ms");
    }
  }

  @Test
  void aPinIsCurlsSha256OfTheKey() {
    String pin = CurlProbe.pin(served.certPem());
    assertTrue(pin.matches("sha256//[A-Za-z0-9+/]{43}="), pin);
    assertFalse(curl.answers("127.0.0.1", 1, "sha256//x;rm", null, null, 500), "no other pin syntax");
  }
}
