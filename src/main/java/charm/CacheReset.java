package charm;

import charm.actions.ActionResult;
import charm.juju.HookToolException;
import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.registry.Owner;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import charm.workload.RedisFlush;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * After a garbage collection deleted blobs, no blob descriptor cache may go on describing them: a
 * registry that still does tells a client pushing the same layer "blob already exists", the client
 * skips the upload, and the registry accepts a manifest whose blob is gone (a tag nobody can pull).
 *
 * <ul>
 *   <li>{@code storage-cache=redis}: every unit shares the one redis database; it is flushed
 *       ({@link RedisFlush}).
 *   <li>{@code storage-cache=inmemory} on shared storage (Swift, S3): each unit's registry caches in
 *       its own memory. The next cache generation is published in the peer relation ({@link
 *       CacheGeneration}); every unit plans the highest one into its container's spec, so Juju's
 *       {@code peer-relation-changed} on the other units replaces their registries (empty caches).
 *       The collecting unit plans it at once: its own switch back to read-write already replaces
 *       its registry, so it does not restart a second time.
 *   <li>Filesystem storage or {@code storage-cache=disabled}: nothing to do (each unit collects
 *       only its own blobs; the collecting unit's registry is replaced as it goes back to
 *       read-write).
 * </ul>
 *
 * <p>The garbage-collect action calls {@link #afterCollection} once the collector ran and before
 * the registry goes back to read-write, and the outcome joins the action's results through {@link
 * #report}: {@code cache-reset}, and a failed action when the cache could not be reset.
 */
public final class CacheReset {
  /** The result key. */
  static final String RESULT = "cache-reset";

  private final HookTools tools;
  private final CacheGeneration generation;
  /** What {@link #afterCollection} did; null when it had nothing to do. */
  private Outcome outcome;

  private record Outcome(String text, boolean failed) {}

  public CacheReset(HookTools tools, Owner owner) {
    this.tools = tools;
    this.generation = new CacheGeneration(tools, owner);
  }

  /**
   * The one entry point: resets the blob descriptor caches of the registries on this storage, when
   * the collector deleted blobs. Call it before the registry goes back to read-write, and converge
   * with the facts it returns: they carry the generation this unit just published, so its own
   * read-write registry is planned with it.
   *
   * @param facts what the action read before the collection
   * @param blobsDeleted whether the collector deleted (or may have deleted) any blob: false for a
   *     dry run, or when it found nothing to delete
   * @return {@code facts}, with the published cache generation when one was published
   */
  public Reconciler.Facts afterCollection(Reconciler.Facts facts, boolean blobsDeleted) {
    outcome = null;
    RegistryConfig config = facts.config();
    if (!blobsDeleted) {
      return facts;
    }
    if (config.redisCache().isPresent()) {
      flush(config.redisCache().get());
      return facts;
    }
    if (!Planner.cacheGenerationApplies(config)) {
      return facts;
    }
    try {
      OptionalLong next = generation.publishNext();
      if (next.isEmpty()) {
        outcome = new Outcome("no peer relation yet, so no other unit to tell", false);
        return facts;
      }
      outcome = new Outcome("published cache generation " + next.getAsLong()
          + ": the other units replace their registries, dropping their in-memory caches", false);
      tools.log(LogLevel.INFO, "Blob descriptor cache generation " + next.getAsLong() + " published: every unit replaces its registry once");
      return facts.withCacheGeneration(next.getAsLong());
    } catch (HookToolException e) {
      outcome = new Outcome("cache generation not published (" + e.getMessage()
          + "); restart the other units' registries (or run the garbage collection again)", true);
      tools.log(LogLevel.WARNING, "Blob descriptor cache " + outcome.text());
      return facts;
    }
  }

  private void flush(RegistryConfig.RedisCache redis) {
    RedisFlush flush = new RedisFlush(redis.address(), redis.password(), redis.db());
    try {
      flush.flush();
      outcome = new Outcome("flushed " + flush, false);
      tools.log(LogLevel.INFO, "Blob descriptor cache: flushed " + flush);
    } catch (RedisFlush.Failure e) {
      outcome = new Outcome(flush + " not flushed (" + e.getMessage() + "); flush it (FLUSHDB) before pushing again", true);
      tools.log(LogLevel.WARNING, "Blob descriptor cache: " + outcome.text());
    }
  }

  /**
   * The garbage-collect action's result with what {@link #afterCollection} did: {@code cache-reset}
   * in the results, and a failed action when a cache still describes deleted blobs.
   */
  public ActionResult report(ActionResult collected) {
    if (outcome == null) {
      return collected;
    }
    Map<String, String> results = new LinkedHashMap<>(collected.results());
    results.put(RESULT, outcome.text());
    if (!outcome.failed()) {
      return collected instanceof ActionResult.Failed f ? new ActionResult.Failed(f.message(), results) : ActionResult.ok(results);
    }
    String problem = "the blob descriptor cache may still describe deleted blobs: " + outcome.text();
    return new ActionResult.Failed(collected instanceof ActionResult.Failed f
        ? f.message() + "; also, " + problem
        : "Garbage collection done, but " + problem, results);
  }
}
