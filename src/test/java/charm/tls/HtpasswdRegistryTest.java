package charm.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real registry (Debian's docker-registry, distribution 2.8) accepts Htpasswd's lines. It
 * starts in about 20 ms and needs no Docker engine, so this runs with the unit tests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HtpasswdRegistryTest {
  static final Path REGISTRY = Path.of("/usr/bin/docker-registry");

  @TempDir Path tmp;

  @Test
  void registryAcceptsTheRightPasswordOnly() throws Exception {
    if (!Files.isExecutable(REGISTRY)) {
      fail("the registry binary is missing: apt-get install -y docker-registry");
    }
    Files.writeString(tmp.resolve("htpasswd"),
        Htpasswd.line("alice", "pä:ss w0rd") + "\n" + Htpasswd.line("bob", "other") + "\n");
    int port = freePort();
    Files.writeString(tmp.resolve("config.yml"), String.join("\n",
        "version: 0.1",
        "storage:",
        "  filesystem:",
        "    rootdirectory: " + tmp.resolve("data"),
        "http:",
        "  addr: 127.0.0.1:" + port,
        "  secret: test-only",
        "auth:",
        "  htpasswd:",
        "    realm: basic-realm",
        "    path: " + tmp.resolve("htpasswd"),
        ""));
    Process registry = new ProcessBuilder(REGISTRY.toString(), "serve", tmp.resolve("config.yml").toString())
        .redirectErrorStream(true).start();
    try {
      awaitListening(registry, "127.0.0.1:" + port);
      String url = "http://127.0.0.1:" + port + "/v2/";

      assertEquals(200, status(url, "alice", "pä:ss w0rd"));
      assertEquals(200, status(url, "bob", "other"));
      assertEquals(401, status(url, "alice", "pä:ss w0rd "));
      assertEquals(401, status(url, "alice", "other"));
      assertEquals(401, status(url, null, null));
    } finally {
      registry.destroyForcibly();
      registry.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Reads the registry's log until it says it listens on the address (deadline 10 s). */
  static void awaitListening(Process registry, String address) throws InterruptedException {
    CompletableFuture<Void> listening = new CompletableFuture<>();
    List<String> log = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(registry.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          synchronized (log) {
            log.add(line);
          }
          if (line.contains("listening on " + address)) {
            listening.complete(null);
          }
        }
        listening.completeExceptionally(new IllegalStateException("the registry exited"));
      } catch (IOException e) {
        listening.completeExceptionally(e);
      }
    }, "registry-log");
    reader.setDaemon(true);
    reader.start();
    try {
      listening.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      synchronized (log) {
        fail("the registry did not start listening: " + e + "\n" + String.join("\n", log));
      }
    }
  }

  static int status(String url, String user, String password) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    if (user != null) {
      String credentials = user + ":" + password;
      c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }
    try {
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
