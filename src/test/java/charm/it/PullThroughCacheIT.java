package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The pull-through cache (cache-remoteurl, cache-username, cache-password) with one charm unit as
 * the upstream of another. The upstream uses token authentication, whose token server issues
 * tokens only to the right user and password: registry 2.8's cache sends its credentials only to
 * a token server (as Docker Hub has), never to an upstream with basic authentication. The cache
 * pulls with the credentials from the options (an anonymous client cannot), stores what it fetched
 * in its own storage and serves it from there once the upstream is gone; pushes to the cache are
 * refused; the upstream password shows nowhere an operator looks.
 */
@Tag("docker")
class PullThroughCacheIT {
  static final String USER = "mirror";
  final String password = "Upstream-" + UUID.randomUUID();

  Path work;
  TokenIssuer tokens;
  SimUnit upstream;
  SimUnit cache;
  final List<String> images = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    images.forEach(i -> Cmd.run("docker", "rmi", i));
    if (cache != null) {
      cache.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (tokens != null) {
      tokens.close();
    }
    TestFiles.deleteTree(work);
  }

  @Test
  void pullsThroughWithTheUpstreamCredentialsStoresLocallyAndRefusesPushes() throws IOException {
    work = Files.createTempDirectory("it-cache");
    tokens = TokenIssuer.start(work.resolve("tokens"), "it-upstream-issuer", "it-upstream").requireCredentials(USER, password);
    upstream = SimUnit.deploy("it-upstream", m -> {
      m.config.put("auth-token-realm", tokens.realm());
      m.config.put("auth-token-service", tokens.service());
      m.config.put("auth-token-issuer", tokens.issuer());
      m.config.put("auth-token-root-certs", tokens.rootCertBundleBase64());
    });
    upstream.assertActive();
    Path dockerConfig = Files.createDirectories(work.resolve("docker-config"));
    String source = upstream.netloc() + "/it/cached:1";
    TestImages.random(work, source, 2 << 20);
    images.add(source);
    Cmd.ok("docker", "--config", dockerConfig.toString(), "login", "-u", USER, "-p", password, upstream.netloc());
    String digest = TestImages.pushedDigest(Cmd.ok("docker", "--config", dockerConfig.toString(), "push", source));
    assertEquals(401, Http.status("http://" + upstream.netloc() + "/v2/it/cached/manifests/1"), "the upstream wants a token");
    assertEquals(401, Http.status(tokens.realm() + "?service=it-upstream&scope=repository:it/cached:pull"), "and credentials for one");
    int issued = tokens.subjects().size();

    // The cache's container reaches the upstream's published port at docker0's address.
    String upstreamUrl = "http://" + TestNet.hostAddress() + ":" + upstream.port;
    cache = SimUnit.deploy("it-cache", m -> {
      m.config.put("cache-remoteurl", upstreamUrl);
      m.config.put("cache-username", USER);
      m.config.put("cache-password", password);
    });
    cache.assertActive();

    Cmd.ok("docker", "rmi", source); // else docker finds the layer locally and asks for none
    String through = cache.netloc() + "/it/cached:1";
    images.add(through);
    Cmd first = Cmd.run("docker", "pull", through);
    assertEquals(0, first.exitCode(), first.output() + "\ncache log:\n" + Cmd.run("docker", "logs", cache.name).output());
    assertTrue(digests(through).contains("@" + digest), "pulled through the cache, same digest: " + digests(through));
    List<String> subjects = tokens.subjects().subList(issued, tokens.subjects().size());
    assertFalse(subjects.isEmpty(), "the cache asked the token server");
    assertTrue(subjects.stream().allMatch(USER::equals), "always as " + USER + ": " + subjects);
    String layer = RegistryApi.layers(cache.netloc(), "it/cached", "1").get(0);
    Path stored = cache.root.resolve("srv/registry/" + RegistryApi.blobPath(layer));
    // The cache commits a blob to its storage once it has streamed it to the client.
    Poll.until(java.time.Duration.ofSeconds(10), () -> Files.isRegularFile(stored), () -> "the cache did not store the layer it fetched: " + stored);

    assertEquals(405, RegistryApi.startUpload(cache.netloc(), "it/pushed"), "a cache takes no pushes");
    // skopeo, not docker: docker retries a refused push for about 50 s before it gives up.
    Cmd refused = Cmd.run("skopeo", "copy", "--dest-tls-verify=false", "docker-daemon:" + through, "docker://" + cache.netloc() + "/it/pushed:1");
    assertNotEquals(0, refused.exitCode(), "a push to the cache is refused");
    assertTrue(refused.output().contains("unsupported"), refused.output());

    Cmd.ok("docker", "stop", upstream.name);
    assertEquals(-1, Http.status("http://" + upstream.netloc() + "/v2/"), "the upstream is down");
    Cmd.ok("docker", "rmi", through);
    Cmd.ok("docker", "pull", through);
    assertTrue(digests(through).contains("@" + digest), "served from the cache's own storage");

    List<String> seen = new ArrayList<>(cache.observableText());
    seen.add(Cmd.ok("docker", "logs", cache.name));
    seen.add(cache.status().message);
    for (String text : seen) {
      assertFalse(text.contains(password), "the upstream password leaked: " + text);
    }
  }

  private static String digests(String ref) {
    return Cmd.ok("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", ref);
  }
}
