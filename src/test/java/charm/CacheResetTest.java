package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.actions.ActionResult;
import charm.registry.Owner;
import charm.registry.RegistryConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the garbage-collect action's cache reset does for each cache and storage, and how it reports. */
class CacheResetTest {
  static final Map<String, Object> S3 = Map.of("storage-s3-region", "us-east-1", "storage-s3-bucket", "b");
  static final ActionResult COLLECTED = ActionResult.ok(Map.of("message", "Deleted 2 blobs"));

  final RecordingHookTools tools = new RecordingHookTools();
  final CacheReset reset = new CacheReset(tools, new Owner("m", "docker-registry", "docker-registry/0"));

  private static Reconciler.Facts facts(Map<String, Object> options) {
    return new Reconciler.Facts(RegistryConfig.from(new HashMap<>(options)), "secret", Map.of(), "10.0.0.5", 0);
  }

  @Test
  void nothingDeletedNothingToReset() {
    tools.peerApp = new HashMap<>();
    Reconciler.Facts facts = facts(S3);
    assertSame(facts, reset.afterCollection(facts, false));
    assertEquals(List.of(), tools.calls);
    assertSame(COLLECTED, reset.report(COLLECTED));
  }

  @Test
  void anInMemoryCacheOnSharedStorageGetsTheNextGeneration() {
    tools.leader = true;
    tools.peerApp = new HashMap<>(Map.of(CacheGeneration.KEY, "4"));
    Reconciler.Facts after = reset.afterCollection(facts(S3), true);
    assertEquals(5, after.cacheGeneration(), "this unit plans it at once");
    assertEquals("5", tools.peerApp.get(CacheGeneration.KEY));
    ActionResult reported = reset.report(COLLECTED);
    assertInstanceOf(ActionResult.Ok.class, reported);
    assertEquals("Deleted 2 blobs", reported.results().get("message"));
    assertTrue(reported.results().get("cache-reset").startsWith("published cache generation 5"), reported.results().toString());

    ActionResult failed = reset.report(new ActionResult.Failed("Garbage collection failed: x", Map.of("dry-run", "false")));
    assertEquals("Garbage collection failed: x", ((ActionResult.Failed) failed).message(), "a failed collection stays failed");
    assertTrue(failed.results().containsKey("cache-reset"));
  }

  @Test
  void filesystemStorageAndNoCacheNeedNothing() {
    tools.leader = true;
    tools.peerApp = new HashMap<>();
    for (Map<String, Object> options : List.of(Map.<String, Object>of(), Map.<String, Object>of("storage-cache", "disabled", "storage-s3-region", "us-east-1",
        "storage-s3-bucket", "b"))) {
      Reconciler.Facts facts = facts(options);
      assertSame(facts, reset.afterCollection(facts, true), options.toString());
      assertSame(COLLECTED, reset.report(COLLECTED));
    }
    assertFalse(tools.calls.contains("relation-set"));
  }

  @Test
  void aRedisThatCannotBeFlushedFailsTheActionWithoutThePassword() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort(); // nothing listens there once it is closed
    }
    String password = "pw-" + Long.toHexString(System.nanoTime());
    Map<String, Object> options = new HashMap<>(S3);
    options.putAll(Map.of("storage-cache", "redis", "storage-cache-redis-address", "127.0.0.1:" + closed,
        "storage-cache-redis-password", password, "storage-cache-redis-db", 3));
    tools.peerApp = new HashMap<>();
    Reconciler.Facts facts = facts(options);
    assertSame(facts, reset.afterCollection(facts, true));
    assertFalse(tools.calls.contains("relation-set"), "redis is the one cache: no generation");
    ActionResult reported = reset.report(COLLECTED);
    String message = ((ActionResult.Failed) reported).message();
    assertTrue(message.startsWith("Garbage collection done, but the blob descriptor cache may still describe deleted blobs: "
        + "redis database 3 at 127.0.0.1:" + closed + " not flushed (Connection refused"), message);
    assertEquals("Deleted 2 blobs", reported.results().get("message"));
    assertEquals(1, tools.logs.stream().filter(l -> l.startsWith("WARNING ") && l.contains("not flushed")).count(), tools.logs.toString());
    List<String> seen = new java.util.ArrayList<>(tools.logs);
    seen.add(message);
    seen.addAll(reported.results().values());
    for (String text : seen) {
      assertFalse(text.contains(password), "the password leaked: " + text);
    }
  }
}
