package charm.it;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A real S3 server: s3proxy (the jar the pom fetches into target/it-tools) with its
 * filesystem-nio2 store under {@code dir/data}, where a bucket is a directory and an object a
 * file. It listens on docker0's address, where registry containers on this machine reach it, or
 * on another address of this machine; it checks SigV4 signatures against a random access key and
 * secret.
 * Every request is logged ({@code LOG_LEVEL=debug}), so tests can see the S3 calls.
 */
final class S3Server implements AutoCloseable {
  static final Path JAR = Path.of(System.getProperty("s3proxy.jar", "target/it-tools/s3proxy.jar"));

  private final Path dir;
  private final String endpoint;
  private final String accessKey;
  private final String secretKey;
  private final Daemon process;

  private S3Server(Path dir, String endpoint, String accessKey, String secretKey, Daemon process) {
    this.dir = dir;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.process = process;
  }

  /** Starts s3proxy on docker0's address with the given buckets (empty); returns once it listens. */
  static S3Server start(Path dir, String... buckets) {
    return startOn(dir, TestNet.hostAddress(), buckets);
  }

  /** Starts s3proxy on {@code host} with the given buckets (empty); returns once it listens. */
  static S3Server startOn(Path dir, String host, String... buckets) {
    dir = TestFiles.mkdirs(dir.toAbsolutePath());
    for (String bucket : buckets) {
      TestFiles.mkdirs(dir.resolve("data").resolve(bucket));
    }
    int port = TestNet.freePort();
    String endpoint = "http://" + host + ":" + port;
    String accessKey = "it" + random(6);
    String secretKey = random(16);
    Path conf = TestFiles.write(dir.resolve("s3proxy.conf"), String.join("\n",
        "s3proxy.endpoint=" + endpoint,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + accessKey,
        "s3proxy.credential=" + secretKey,
        "jclouds.provider=filesystem-nio2",
        "jclouds.filesystem.basedir=" + dir.resolve("data"),
        "jclouds.identity=local",
        "jclouds.credential=local", ""));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Daemon d = Daemon.start("s3proxy", dir.resolve("s3proxy.log"), Map.of("LOG_LEVEL", "debug"),
        List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", JAR.toAbsolutePath().toString(), "--properties", conf.toString()));
    S3Server server = new S3Server(dir, endpoint, accessKey, secretKey, d);
    try {
      d.awaitListening(host, port);
      return server;
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  /** {@code http://<host>:<port>}. */
  String endpoint() {
    return endpoint;
  }

  String accessKey() {
    return accessKey;
  }

  String secretKey() {
    return secretKey;
  }

  /** Where the objects of {@code bucket} are files. */
  Path bucket(String bucket) {
    return dir.resolve("data").resolve(bucket);
  }

  /** The request log so far (the whole file). */
  String requests() {
    try {
      return java.nio.file.Files.readString(dir.resolve("s3proxy.log"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.stop();
    TestFiles.deleteTree(dir);
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
