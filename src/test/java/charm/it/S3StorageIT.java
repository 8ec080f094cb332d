package charm.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import charm.registry.ConfigYaml;
import charm.registry.RegistryConfig;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * config.yml as the charm renders it, with S3 values that the registry's YAML reader (go-yaml v2)
 * takes for other types when they are written plain, read by the real registry binary storing
 * into a real S3 server (s3proxy, filesystem backend, SigV4 checked). A blob pushed over the
 * registry API must land in bucket {@value #BUCKET} under rootdirectory {@value #ROOT}. A second
 * registry reaches the same server through a scheme-less storage-s3-regionendpoint (host:port,
 * which the old charm passed through and the driver completes with http:// as secure is false).
 */
@Tag("docker")
class S3StorageIT {
  static final Path REGISTRY_BINARY = Path.of("/usr/bin/docker-registry");
  static final String BUCKET = "0o17"; // plain, go-yaml v2 reads the integer 15
  static final String ROOT = "off"; // plain, YAML 1.1 reads false
  static final String ACCESS_KEY = "n"; // plain, go-yaml v2 reads false: SigV4 would fail
  static final String SECRET_KEY = "1e3"; // plain, go-yaml v2 reads the float 1000
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  static final File DEV_NULL = new File("/dev/null");
  static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).followRedirects(HttpClient.Redirect.NEVER).build();

  static Path work;
  static Path data;
  static Process s3proxy;
  static final String SCHEMELESS_ROOT = "schemeless";

  static Process registry;
  static String registryUrl;
  static Process schemeless;
  static String schemelessUrl;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Files.isExecutable(REGISTRY_BINARY), REGISTRY_BINARY + " is not installed");
    Path jar = Path.of(System.getProperty("s3proxy.jar", "target/it-tools/s3proxy.jar"));
    assertTrue(Files.isRegularFile(jar), jar + " is missing: run through mvn verify");
    work = Files.createTempDirectory("s3-storage-it");
    data = Files.createDirectories(work.resolve("s3"));
    Files.createDirectories(data.resolve(BUCKET)); // a filesystem-nio2 bucket is a directory

    // Not loopback: the charm refuses it (its registry runs in a container); docker0's address
    // is where a registry container on this machine would reach the service.
    String s3Url = "http://" + TestNet.hostAddress() + ":" + TestNet.freePort();
    Path conf = Files.writeString(work.resolve("s3proxy.conf"), String.join("\n",
        "s3proxy.endpoint=" + s3Url,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + ACCESS_KEY,
        "s3proxy.credential=" + SECRET_KEY,
        "jclouds.provider=filesystem-nio2",
        "jclouds.filesystem.basedir=" + data,
        "jclouds.identity=local",
        "jclouds.credential=local", ""));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    s3proxy = startProcess(work.resolve("s3proxy.log"), List.of(), java,
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString(),
        "--properties", conf.toString());
    awaitAnswer(s3proxy, s3Url + "/", "s3proxy");

    registryUrl = startRegistry("registry", s3Url, ROOT);
    registry = started;
    schemelessUrl = startRegistry("schemeless", s3Url.substring("http://".length()), SCHEMELESS_ROOT);
    schemeless = started;
  }

  private static Process started;

  /** Starts the registry binary on the charm's config.yml for these options; returns its URL. */
  private static String startRegistry(String name, String endpoint, String root) throws IOException {
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("storage-s3-region", "us-east-1");
    options.put("storage-s3-regionendpoint", endpoint);
    options.put("storage-s3-secure", false);
    options.put("storage-s3-bucket", BUCKET);
    options.put("storage-s3-rootdirectory", root);
    options.put("storage-s3-accesskey", ACCESS_KEY);
    options.put("storage-s3-secretkey", SECRET_KEY);
    String netloc = "127.0.0.1:" + freePort();
    RegistryConfig cfg = RegistryConfig.from(options);
    assertEquals(List.of(), cfg.problems(), endpoint);
    String yml = ConfigYaml.render(cfg, new ConfigYaml.Extras("s3-storage-it-http-secret", null, null));
    assertTrue(yml.contains("regionendpoint: \"" + endpoint + "\"\n"), yml);
    Path config = Files.writeString(work.resolve(name + ".yml"),
        yml.replace(ConfigYaml.HTTP_ADDR, netloc));
    // No AWS_* from this environment (AWS_CA_BUNDLE breaks the driver): only config.yml counts.
    started = startProcess(work.resolve(name + ".log"), List.of("AWS_"),
        REGISTRY_BINARY.toString(), "serve", config.toString());
    awaitAnswer(started, "http://" + netloc + "/v2/", name);
    return "http://" + netloc;
  }

  @AfterAll
  static void stop() throws IOException, InterruptedException {
    try {
      for (Process p : new Process[] {registry, schemeless, s3proxy}) {
        if (p != null) {
          p.destroy();
          if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          }
        }
      }
    } finally {
      if (work != null) {
        try (Stream<Path> files = Files.walk(work)) {
          for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(f);
          }
        }
      }
    }
  }

  @Test
  void aPushedBlobLandsInTheConfiguredBucketAndRootDirectory() throws IOException {
    Path bucket = data.resolve(BUCKET);
    pushAndRead(registryUrl, ROOT, "registry.log", "a blob from S3StorageIT\n");
    assertFalse(Files.exists(data.resolve("15")), "bucket read as the integer 15");
    assertFalse(Files.exists(bucket.resolve("false")), "rootdirectory read as false");
    assertEquals(List.of(BUCKET), names(data), "buckets");
    assertTrue(List.of(ROOT, SCHEMELESS_ROOT).containsAll(names(bucket)), "top level of the bucket: " + names(bucket));
  }

  @Test
  void aSchemeLessEndpointReachesTheService() throws IOException {
    pushAndRead(schemelessUrl, SCHEMELESS_ROOT, "schemeless.log", "a blob through host:port\n");
  }

  /** Pushes a blob through the registry API, finds it in the bucket under {@code root}, reads it back. */
  private static void pushAndRead(String url, String root, String log, String text) throws IOException {
    byte[] blob = text.getBytes(StandardCharsets.UTF_8);
    String hex = sha256(blob);
    String digest = "sha256:" + hex;

    HttpResponse<String> started = send("POST", url + "/v2/it/s3/blobs/uploads/", null);
    assertEquals(202, started.statusCode(), "start upload: " + started.body() + registryErrors(log));
    URI location = URI.create(url + "/").resolve(
        started.headers().firstValue("Location").orElseThrow());
    String put = location + (location.getRawQuery() == null ? "?" : "&") + "digest=" + digest;
    HttpResponse<String> done = send("PUT", put, blob);
    assertEquals(201, done.statusCode(), "finish upload: " + done.body() + registryErrors(log));

    Path stored = data.resolve(BUCKET).resolve(root + "/docker/registry/v2/blobs/sha256/"
        + hex.substring(0, 2) + "/" + hex + "/data");
    assertTrue(Files.isRegularFile(stored), stored + " is missing; stored: " + listing());
    assertArrayEquals(blob, Files.readAllBytes(stored));

    HttpResponse<String> read = send("GET", url + "/v2/it/s3/blobs/" + digest, null);
    assertEquals(200, read.statusCode());
    assertEquals(text, read.body());
  }

  /** Starts a child process, output to {@code log}, without the variables named {@code drop*}. */
  private static Process startProcess(Path log, List<String> drop, String... argv)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
    pb.environment().keySet().removeIf(name -> drop.stream().anyMatch(name::startsWith));
    return pb.start();
  }

  /** Polls until {@code url} answers at all (any status); fails early if the process exits. */
  private static void awaitAnswer(Process p, String url, String what) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (Http.status(url) == -1) {
      if (!p.isAlive()) {
        fail(what + " exited with " + p.exitValue() + (p == s3proxy ? "" : registryErrors(what + ".log")));
      }
      assertTrue(System.nanoTime() < deadline, what + " does not answer after " + START_TIMEOUT);
      try {
        p.waitFor(50, TimeUnit.MILLISECONDS); // returns early if it exits
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static HttpResponse<String> send(String method, String url, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      b.header("Content-Type", "application/octet-stream");
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A registry's error messages (it logs no credentials), for failure messages. */
  private static String registryErrors(String log) {
    try (Stream<String> lines = Files.lines(work.resolve(log))) {
      return lines.filter(l -> l.contains("\"level\":\"error\""))
          .map(l -> "\n  " + l.substring(0, Math.min(l.length(), 400))).limit(5)
          .reduce("", String::concat);
    } catch (IOException e) {
      return "";
    }
  }

  private static String listing() throws IOException {
    try (Stream<Path> files = Files.walk(data)) {
      return files.map(data::relativize).map(Path::toString).limit(30).toList().toString();
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
