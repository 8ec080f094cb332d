package charm.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.RegistryConfig;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A blob read that the registry answers with a storage redirect (307 to a signed Swift or S3
 * address, what it does without storage-redirect-disable) is followed once, and the registry's
 * credentials do not go with it. Two local HTTP servers play the registry and the storage.
 */
class RegistryApiRedirectTest {
  static final byte[] CONFIG = "{\"created\":\"2026-01-01T00:00:00Z\"}".getBytes(StandardCharsets.UTF_8);

  HttpServer registry;
  HttpServer storage;
  final List<String> storageAuthorization = new CopyOnWriteArrayList<>();
  final List<String> registryAuthorization = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    storage.createContext("/bucket/", x -> {
      storageAuthorization.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
      x.sendResponseHeaders(200, CONFIG.length);
      x.getResponseBody().write(CONFIG);
      x.close();
    });
    storage.start();
    registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    registry.createContext("/v2/", x -> {
      registryAuthorization.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
      if (x.getRequestURI().getPath().endsWith("/sha256:missing")) {
        x.sendResponseHeaders(404, -1);
      } else {
        x.getResponseHeaders().add("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + "/bucket/blob?X-Amz-Signature=abc");
        x.sendResponseHeaders(307, -1);
      }
      x.close();
    });
    registry.start();
  }

  @AfterEach
  void stop() {
    registry.stop(0);
    storage.stop(0);
  }

  private RegistryApi api() {
    RegistryAccess access = new RegistryAccess("http://127.0.0.1:" + registry.getAddress().getPort(), null,
        Optional.of(new RegistryConfig.BasicAuth("admin", "s3cret")), false, "127.0.0.1:5000");
    return new RegistryApi(access);
  }

  @Test
  void aStorageRedirectIsFollowedWithoutTheRegistrysCredentials() {
    assertArrayEquals(CONFIG, api().blob("app", "sha256:c", 1 << 20).orElseThrow());
    assertTrue(registryAuthorization.get(0).startsWith("Basic "), "the registry gets the credentials");
    assertEquals(List.of("null"), storageAuthorization, "the storage does not");
  }

  @Test
  void aMissingBlobIsEmptyAndALargerOneThanAskedIsRefused() {
    assertEquals(Optional.empty(), api().blob("app", "sha256:missing", 1 << 20));
    RegistryApi.Failure f = org.junit.jupiter.api.Assertions.assertThrows(RegistryApi.Failure.class, () -> api().blob("app", "sha256:c", 4));
    assertTrue(f.getMessage().endsWith("more than 4 bytes"), f.getMessage());
    assertNull(f.getMessage().contains("X-Amz-Signature") ? "leaked" : null, "the signed address is not in messages");
  }
}
