package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An empty bucket is healthy (the charm's config.yml with the health check every second). One
 * unit on a real S3 server (s3proxy 4.1, SigV4) with every storage-s3-* option registry 2.8
 * reads set to a value the server accepts: a 12 MiB random layer, above the 5 MiB part size, goes
 * up as a multipart upload and is moved into place with a multipart copy (threshold 5 MiB); it is
 * stored whole under the root directory and pulled back with the same digest. Deleting the
 * manifest and running the registry's own {@code registry garbage-collect} in the container
 * ({@code docker exec}) frees the layer's object in the bucket.
 */
@Tag("docker")
class S3MultipartIT {
  static final int LAYER_BYTES = 12 << 20;
  static final long PART = 5L << 20;

  Path work;
  S3Server s3;
  SimUnit unit;
  String ref;

  @AfterEach
  void cleanUp() {
    if (ref != null) {
      Cmd.run("docker", "rmi", ref);
    }
    if (unit != null) {
      unit.close();
    }
    if (s3 != null) {
      s3.close();
    }
    TestFiles.deleteTree(work);
  }

  @Test
  void aMultipartLayerRoundTripsAndGarbageCollectionFreesIt() throws IOException {
    work = Files.createTempDirectory("it-s3mp");
    String bucket = "it-" + UUID.randomUUID().toString().substring(0, 8);
    s3 = S3Server.start(work.resolve("s3"), bucket);
    anEmptyBucketIsHealthy(bucket);
    unit = SimUnit.deploy("it-s3mp", m -> {
      m.config.put("storage-s3-region", "us-east-1");
      m.config.put("storage-s3-bucket", bucket);
      m.config.put("storage-s3-regionendpoint", s3.endpoint());
      m.config.put("storage-s3-accesskey", s3.accessKey());
      m.config.put("storage-s3-secretkey", s3.secretKey());
      m.config.put("storage-s3-secure", false);
      m.config.put("storage-s3-skip-verify", false);
      m.config.put("storage-s3-encrypt", false);
      m.config.put("storage-s3-rootdirectory", "/it-root");
      m.config.put("storage-s3-useragent", "it-s3-multipart");
      m.config.put("storage-s3-chunksize", PART);
      m.config.put("storage-s3-multipartcopychunksize", PART);
      m.config.put("storage-s3-multipartcopythresholdsize", PART);
      m.config.put("storage-s3-multipartcopymaxconcurrency", 4);
      m.config.put("storage-s3-storageclass", "STANDARD");
      m.config.put("storage-s3-objectacl", "private");
      m.config.put("storage-delete", true);
    });
    unit.assertActive();
    assertFalse(unit.status().message.contains("do not share"), unit.status().message);
    String config = Files.readString(unit.configFile());
    for (String line : List.of("chunksize: 5242880", "multipartcopychunksize: 5242880", "multipartcopythresholdsize: 5242880",
        "multipartcopymaxconcurrency: 4", "rootdirectory: \"/it-root\"", "useragent: \"it-s3-multipart\"", "secure: false")) {
      assertTrue(config.contains("\n    " + line + "\n"), line + " in\n" + config);
    }

    ref = unit.netloc() + "/it/s3-multipart:1";
    TestImages.random(work, ref, LAYER_BYTES);
    int partsBefore = parts(s3.requests());
    String digest = TestImages.push(ref);
    int parts = parts(s3.requests()) - partsBefore;
    // 3 parts up (5 + 5 + 2 MiB) and 3 parts copied into place.
    assertTrue(parts >= 6, "multipart upload and copy: " + parts + " part requests");
    System.out.println("S3 part requests (UploadPart, UploadPartCopy) for a " + LAYER_BYTES + "-byte layer: " + parts);

    String layer = RegistryApi.layers(unit.netloc(), "it/s3-multipart", "1").get(0);
    Path object = s3.bucket(bucket).resolve("it-root/" + RegistryApi.blobPath(layer));
    assertTrue(Files.isRegularFile(object), object + " missing");
    assertTrue(Files.size(object) > PART, "above the part size: " + Files.size(object));
    assertEquals(layer, "sha256:" + sha256(object), "stored whole and intact");

    Cmd.ok("docker", "rmi", ref);
    Cmd.ok("docker", "pull", ref);
    assertTrue(Cmd.ok("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", ref).contains("@" + digest), "pulled back, same digest");

    assertEquals(202, RegistryApi.deleteManifest(unit.netloc(), "it/s3-multipart", digest));
    String gc = Cmd.ok("docker", "exec", unit.name, "/bin/registry", "garbage-collect", "/etc/docker/registry/config.yml");
    assertTrue(gc.contains("blob eligible for deletion: " + layer), gc);
    assertFalse(Files.exists(object), "garbage-collect deleted the layer's object");
    assertEquals(404, Http.status("http://" + unit.netloc() + "/v2/it/s3-multipart/manifests/" + digest));
  }

  /**
   * The charm's config.yml for this bucket, with the storage health check every second: at least
   * 5 checks find the bucket empty and pass (distribution#2292 was an empty S3 bucket).
   */
  private void anEmptyBucketIsHealthy(String bucket) {
    java.util.Map<String, Object> options = new java.util.LinkedHashMap<>();
    options.put("storage-s3-region", "us-east-1");
    options.put("storage-s3-bucket", bucket);
    options.put("storage-s3-regionendpoint", s3.endpoint());
    options.put("storage-s3-accesskey", s3.accessKey());
    options.put("storage-s3-secretkey", s3.secretKey());
    options.put("storage-s3-secure", false);
    charm.registry.RegistryConfig cfg = charm.registry.RegistryConfig.from(options);
    assertEquals(List.of(), cfg.problems());
    String yml = charm.registry.ConfigYaml.render(cfg, new charm.registry.ConfigYaml.Extras("s3-it-secret", null, null));
    try (RegistryProcess registry = RegistryProcess.start(work.resolve("empty"), yml, java.util.Map.of(
        "REGISTRY_HEALTH_STORAGEDRIVER_INTERVAL", "1s", "REGISTRY_HEALTH_STORAGEDRIVER_THRESHOLD", "1", "REGISTRY_LOG_LEVEL", "debug"))) {
      String url = "http://127.0.0.1:" + registry.port() + "/";
      Poll.until(java.time.Duration.ofSeconds(20), () -> {
        assertEquals(200, Http.status(url), "health check failed on an empty bucket:\n" + registry.log());
        return registry.log().split("s3aws.Stat\\(\\\\\"/\\\\\"\\)", -1).length > 5;
      }, () -> "fewer than 5 health checks:\n" + registry.log());
    }
    try (java.util.stream.Stream<Path> left = Files.list(s3.bucket(bucket))) {
      assertEquals(List.of(), left.toList(), "the bucket is still empty");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** S3 UploadPart and UploadPartCopy requests in s3proxy's log. */
  private static int parts(String log) {
    int n = 0;
    for (String line : log.split("\n")) {
      if (line.contains("request:") && line.contains("PUT@") && line.contains("partNumber=")) {
        n++;
      }
    }
    return n;
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        d.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
