package charm.it;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A real redis-server (Debian's 7.0) for the blob descriptor cache: on docker0's address (where
 * registry containers on this machine reach it), or another address of this machine, and a free
 * port, with a random password, no persistence, data
 * under {@code dir}. {@link #stop()} and {@link #start()} play an outage; {@link #keys} asks it
 * with redis-cli (the password in its environment, not on a command line).
 */
final class RedisServer implements AutoCloseable {
  private final Path dir;
  private final String host;
  private final int port = TestNet.freePort();
  private final String password;
  private Daemon process;

  private RedisServer(Path dir, String host) {
    this.dir = dir;
    this.host = host;
    byte[] b = new byte[12];
    new SecureRandom().nextBytes(b);
    this.password = "r" + HexFormat.of().formatHex(b);
  }

  static RedisServer start(Path dir) {
    return start(dir, TestNet.hostAddress());
  }

  static RedisServer start(Path dir, String host) {
    RedisServer redis = new RedisServer(TestFiles.mkdirs(dir.toAbsolutePath()), host);
    try {
      redis.start();
      return redis;
    } catch (RuntimeException | Error e) {
      redis.close();
      throw e;
    }
  }

  /** Starts (again) on the same port; returns once it listens. */
  void start() {
    // The password goes in a config file, not on the command line.
    Path conf = TestFiles.write(dir.resolve("redis.conf"), String.join("\n",
        "bind " + host, "port " + port, "protected-mode no", "requirepass " + password,
        "save \"\"", "appendonly no", "dir " + dir, "logfile \"\"", ""));
    process = Daemon.start("redis-server", dir.resolve("redis.log"), Map.of(), List.of("redis-server", conf.toString()))
        .awaitListening(host, port);
  }

  void stop() {
    process.stop();
  }

  /** {@code host:port}. */
  String address() {
    return host + ":" + port;
  }

  String password() {
    return password;
  }

  /** {@code SET key value} in database {@code db}. */
  void set(int db, String key, String value) {
    Cmd c = Cmd.runWithEnv(Map.of("REDISCLI_AUTH", password), "redis-cli", "-h", host, "-p", String.valueOf(port),
        "-n", String.valueOf(db), "--raw", "set", key, value);
    if (c.exitCode() != 0 || !c.output().trim().equals("OK")) {
      throw new AssertionError("redis-cli set exited " + c.exitCode() + ": " + c.output());
    }
  }

  /** The keys of database {@code db} matching {@code pattern}. */
  List<String> keys(int db, String pattern) {
    Cmd c = Cmd.runWithEnv(Map.of("REDISCLI_AUTH", password), "redis-cli", "-h", host, "-p", String.valueOf(port),
        "-n", String.valueOf(db), "--raw", "keys", pattern);
    if (c.exitCode() != 0) {
      throw new AssertionError("redis-cli exited " + c.exitCode() + ": " + c.output());
    }
    return Cmd.lines(c.output());
  }

  @Override
  public void close() {
    if (process != null) {
      process.stop();
    }
    TestFiles.deleteTree(dir);
  }
}
