package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.workload.RedisFlush;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The garbage-collect action's redis client ({@link RedisFlush}) against a real redis-server with
 * a password: it empties exactly the registry's database, and says why when it cannot (wrong
 * password, nothing listening, a server that never answers) within its deadline, never with the
 * password in the text.
 */
@Tag("timing") // runs alone (pom.xml): its assertions are about time (a deadline of 700 ms measured)
class RedisFlushIT {
  static final int DB = 3;

  Path work;
  RedisServer redis;

  @AfterEach
  void cleanUp() {
    if (redis != null) {
      redis.close();
    }
    TestFiles.deleteTree(work);
  }

  private void startRedis() throws IOException {
    work = Files.createTempDirectory("it-cache-redis");
    redis = RedisServer.start(work.resolve("redis"));
    redis.set(DB, "blobs::sha256:aa", "descriptor");
    redis.set(DB, "repository::it/x::blobs", "set");
    redis.set(0, "other", "kept");
  }

  @Test
  void flushesTheRegistrysDatabaseOnly() throws Exception {
    startRedis();
    new RedisFlush(redis.address(), redis.password(), DB).flush();
    assertEquals(List.of(), redis.keys(DB, "*"));
    assertEquals(List.of("other"), redis.keys(0, "*"), "another database is not the registry's");
    new RedisFlush(redis.address(), redis.password(), DB).flush(); // an empty one flushes too
  }

  @Test
  void aWrongPasswordIsRefusedAndNamedNowhere() throws Exception {
    startRedis();
    String wrong = redis.password() + "x";
    RedisFlush.Failure f = assertThrows(RedisFlush.Failure.class, () -> new RedisFlush(redis.address(), wrong, DB).flush());
    assertTrue(f.getMessage().startsWith("redis refused AUTH: WRONGPASS"), f.getMessage());
    assertFalse(f.getMessage().contains(wrong) || f.getMessage().contains(redis.password()), f.getMessage());
    f = assertThrows(RedisFlush.Failure.class, () -> new RedisFlush(redis.address(), "", DB).flush());
    assertTrue(f.getMessage().startsWith("redis refused SELECT 3: NOAUTH"), f.getMessage());
    assertEquals(2, redis.keys(DB, "*").size(), "nothing flushed");
  }

  @Test
  void nothingListeningFailsAtOnce() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    long t0 = System.nanoTime();
    RedisFlush.Failure f = assertThrows(RedisFlush.Failure.class, () -> new RedisFlush("127.0.0.1:" + port, "pw", DB).flush());
    assertEquals("Connection refused", f.getMessage());
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
  }

  /** A server that accepts (the kernel does, from the backlog) and never answers: the deadline ends it. */
  @Test
  void aServerThatNeverAnswersFailsAtTheDeadline() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Duration deadline = Duration.ofMillis(700);
      long t0 = System.nanoTime();
      RedisFlush.Failure f = assertThrows(RedisFlush.Failure.class,
          () -> new RedisFlush("127.0.0.1:" + silent.getLocalPort(), "pw", DB).flush(Duration.ofSeconds(5), deadline));
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals("no answer within 700 ms", f.getMessage());
      assertTrue(millis >= 650 && millis < 3000, millis + " ms");
    }
  }
}
