package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * storage-cache=redis against a real redis-server with a password and a database other than 0:
 * the registry's blob descriptors land in that database; with redis stopped the registry keeps
 * serving pushes and pulls and the unit stays active; redis back, the cache fills again. The
 * password shows nowhere an operator looks.
 */
@Tag("docker")
class RedisCacheIT {
  static final int DB = 3;

  Path work;
  RedisServer redis;
  SimUnit unit;
  final List<String> images = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    images.forEach(i -> Cmd.run("docker", "rmi", i));
    if (unit != null) {
      unit.close();
    }
    if (redis != null) {
      redis.close();
    }
    TestFiles.deleteTree(work);
  }

  @Test
  void blobDescriptorsGoToRedisAndTheRegistryServesWithoutIt() throws IOException {
    work = Files.createTempDirectory("it-redis");
    redis = RedisServer.start(work.resolve("redis"));
    unit = SimUnit.deploy("it-redis", m -> {
      m.config.put("storage-cache", "redis");
      m.config.put("storage-cache-redis-address", redis.address());
      m.config.put("storage-cache-redis-password", redis.password());
      m.config.put("storage-cache-redis-db", DB);
    });
    unit.assertActive();
    String config = Files.readString(unit.configFile());
    assertTrue(config.contains("    blobdescriptor: \"redis\"\n") && config.contains("\nredis:\n  addr: \"" + redis.address() + "\"\n"), config);

    String first = push("1");
    String layer = RegistryApi.layers(unit.netloc(), "it/redis", "1").get(0);
    assertTrue(redis.keys(DB, "blobs::*").contains("blobs::" + layer), "descriptor cached: " + redis.keys(DB, "*"));
    assertEquals(List.of(), redis.keys(0, "*"), "nothing in database 0");

    redis.stop();
    String second = push("2");
    for (String ref : List.of(first, second)) {
      Cmd.ok("docker", "rmi", ref);
      Cmd.ok("docker", "pull", ref);
    }
    unit.hook("update-status");
    unit.assertActive();
    String logs = Cmd.ok("docker", "logs", unit.name);
    assertTrue(logs.contains("redis"), "the registry logged the redis failures:\n" + logs);

    redis.start();
    push("3");
    String third = RegistryApi.layers(unit.netloc(), "it/redis", "3").get(0);
    Poll.until(Duration.ofSeconds(10), () -> redis.keys(DB, "blobs::*").contains("blobs::" + third),
        () -> "not cached after redis came back: " + redis.keys(DB, "*"));

    List<String> seen = new ArrayList<>(unit.observableText());
    seen.add(Cmd.ok("docker", "logs", unit.name));
    for (String text : seen) {
      assertFalse(text.contains(redis.password()), "the redis password leaked: " + text);
    }
  }

  /** Pushes a new 1 MiB random image as it/redis:{@code tag}; returns its reference. */
  private String push(String tag) throws IOException {
    String ref = unit.netloc() + "/it/redis:" + tag;
    TestImages.random(work, ref, 1 << 20);
    images.add(ref);
    Cmd.ok("docker", "push", ref);
    return ref;
  }
}
