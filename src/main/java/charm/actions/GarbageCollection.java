package charm.actions;

import charm.CacheReset;
import charm.Reconciler;
import charm.content.ContentReader;
import charm.content.StoredGraph;
import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.Status;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import charm.workload.ContainerState;
import charm.workload.HostFiles;
import charm.workload.RegistryAccess;
import charm.workload.RegistryApi;
import charm.workload.RegistryContainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Garbage collection that never loses an image: the manifests that no tag reaches (directly or
 * through an index or manifest list) are deleted by digest through the registry's API, then the
 * registry's own {@code registry garbage-collect} frees the blobs nothing references, WITHOUT its
 * {@code --delete-untagged} (which in registry 2.8 deletes the platform manifests of every
 * multi-arch image: distribution issue 3178).
 *
 * <p>The steps, for the garbage-collect and prune actions and scheduled maintenance:
 * <ol>
 *   <li>a dry run of the collector lists every stored manifest and what it references, on any
 *       storage driver ({@link StoredGraph}); the registry stays writable;
 *   <li>the caller decides what to delete ({@link Deletions}); the manifests go by digest, each
 *       repository after a last look at its tags (with storage-delete off, the registry takes
 *       the charm's deletes in a container switched for this step only);
 *   <li>the registry is held read-only, so that no push can reference a blob the collector is
 *       deleting, the collector runs by docker exec, and the operator's options come back in a
 *       {@code finally}, whatever the collector did.
 * </ol>
 * The switches are reconciles with options forced for this process only ({@link
 * Reconciler#readWith}); Juju's config is never changed: if the action dies in between, the next
 * hook (update-status at the latest) restores the operator's mode. Each switch replaces the
 * container, which also ends a collector that overran its deadline and empties the registry's
 * in-memory blob descriptor cache.
 *
 * <p>On filesystem storage the space is measured on the unit: the size of each blob's data file
 * under /srv/registry once the registry is read-only (so a blob uploaded while the action ran
 * counts too), summed over the blobs the collector deleted.
 */
final class GarbageCollection {
  static final Duration TIMEOUT = Duration.ofMinutes(60);
  static final String BLOBS = Planner.DATA_DIR + "/docker/registry/v2/blobs";
  private static final Pattern SUMMARY = Pattern.compile("(\\d+) blobs marked, (\\d+) blobs and (\\d+) manifests eligible for deletion");
  private static final Pattern ELIGIBLE = Pattern.compile("blob eligible for deletion: (\\S+)");
  private static final String FAILED = "failed to garbage collect: ";

  private final HookTools tools;
  private final Supplier<RegistryContainer> docker;
  private final HostFiles files;
  private final Reconciler reconciler;
  private final CacheReset cacheReset;

  GarbageCollection(HookTools tools, Supplier<RegistryContainer> docker, HostFiles files, Reconciler reconciler, CacheReset cacheReset) {
    this.tools = tools;
    this.docker = docker;
    this.files = files;
    this.reconciler = reconciler;
    this.cacheReset = cacheReset;
  }

  /** A unit ready for maintenance: its facts, its registry, and what its storage holds now. */
  record Ready(Reconciler.Facts facts, RegistryAccess access, StoredGraph graph, Set<String> eligible, Optional<Map<String, Long>> sizes) {
    RegistryConfig config() {
      return facts.config();
    }
  }

  /** The {@link Ready} unit, or what the action answers instead (a refusal, or nothing to do). */
  record Start(Ready ready, ActionResult answer) {}

  /**
   * Checks the unit (configured, not stopped, our container running) and lists what its storage
   * holds with a dry run of the collector.
   */
  Start start(String what) {
    Reconciler.Facts facts = reconciler.read();
    Reconciler.Access access = reconciler.access(facts);
    if (access.notReady().isPresent()) {
      return new Start(null, ActionResult.notReady(access.notReady().get()));
    }
    RegistryConfig config = facts.config();
    if (ContainerActions.stopped(facts)) {
      return new Start(null, ActionResult.fail(config.registryName() + " was stopped with the stop action; run the start action first"));
    }
    if (!running(config.registryName())) {
      return new Start(null, ActionResult.fail(config.registryName() + " is not running; see the unit's status"));
    }
    Optional<Map<String, Long>> sizes = config.storageBackend() == RegistryConfig.StorageBackend.FILESYSTEM ? blobSizes() : Optional.empty();
    Collector listing = new Collector();
    String failure = collect(config.registryName(), true, listing);
    if (failure != null && listing.emptyStorage()) {
      // Nothing was ever pushed: registry 2.8's collector fails where there is nothing to collect.
      Map<String, String> results = new LinkedHashMap<>();
      results.put("manifests-deleted", "0");
      results.put("blobs-eligible", "0");
      results.put("read-only-ms", "0");
      results.put("message", "Nothing to collect: the registry stores no repository yet");
      return new Start(null, ActionResult.ok(results));
    }
    if (failure != null) {
      return new Start(null, ActionResult.fail(what + " failed: could not list what the registry stores: " + failure + "; nothing was changed"));
    }
    return new Start(new Ready(facts, access.registry().orElseThrow(), listing.graph, listing.eligible, sizes), null);
  }

  /** The garbage-collect action. */
  ActionResult run(Map<String, Object> params) {
    boolean dryRun = Params.flag(params, "dry-run", false);
    boolean untagged = Params.flag(params, "delete-untagged", true);
    Start start = start("Garbage collection");
    if (start.answer() != null) {
      return start.answer();
    }
    Ready ready = start.ready();
    Deletions deletions = new Deletions();
    Map<String, String> extra = new LinkedHashMap<>();
    try (ContentReader reader = reader(ready)) {
      if (untagged && reader == null) {
        extra.put("untagged", "kept: the registry uses token authentication and the charm has no token for its API");
      } else if (untagged) {
        for (String repository : ready.graph().repositories()) {
          Set<String> unreached = new LinkedHashSet<>(ready.graph().manifests(repository));
          unreached.removeAll(reachedByTags(reader, ready.graph(), repository));
          deletions.add(repository, unreached, Set.of());
        }
        if (ready.sizes().isEmpty() && !deletions.isEmpty()) {
          // Swift or S3: no disk to measure; the deleted manifests' descriptors give the sizes.
          extra.put("bytes-untagged", String.valueOf(deletions.bytesFreed(ready.graph(), reader)));
        }
      }
      return collectAfter(ready, deletions, reader, dryRun, extra, "Garbage collection");
    } catch (RegistryApi.Failure | IllegalArgumentException e) {
      return ActionResult.fail("Garbage collection failed: could not read the registry: " + e.getMessage() + "; nothing was deleted");
    }
  }

  /** A reader of the registry's API, or null when the registry takes tokens the charm does not have. */
  static ContentReader reader(Ready ready) {
    return ready.access().tokenAuth() ? null : new ContentReader(new RegistryApi(ready.access()));
  }

  /** The manifests of a repository that its tags reach now, directly or through an index. */
  static Set<String> reachedByTags(ContentReader reader, StoredGraph graph, String repository) {
    Set<String> roots = new LinkedHashSet<>();
    for (ContentReader.Tagged t : reader.tagged(repository)) {
      roots.add(t.manifest().digest());
      t.manifest().children().forEach(c -> roots.add(c.digest()));
    }
    return graph.reached(repository, roots);
  }

  /**
   * Deletes {@code deletions} (unless a dry run), then collects in a read-only window, and
   * reports: {@code extra} first, then the counts of both steps.
   *
   * @param what "Garbage collection" or "Prune", for messages and the status
   */
  ActionResult collectAfter(Ready ready, Deletions deletions, ContentReader reader, boolean dryRun, Map<String, String> extra, String what) {
    RegistryConfig config = ready.config();
    Map<String, String> results = new LinkedHashMap<>(extra);
    results.put("dry-run", String.valueOf(dryRun));
    if (dryRun) {
      Set<String> eligible = new LinkedHashSet<>(ready.eligible());
      eligible.addAll(deletions.blobsFreed(ready.graph()));
      results.put("manifests-deleted", String.valueOf(deletions.count()));
      results.put("blobs-marked", String.valueOf(ready.graph().marked(deletions.manifests).size()));
      results.put("blobs-eligible", String.valueOf(eligible.size()));
      results.put("read-only-ms", "0");
      String bytes = "";
      if (ready.sizes().isPresent()) {
        long sum = eligible.stream().mapToLong(d -> ready.sizes().get().getOrDefault(d, 0L)).sum();
        results.put("bytes-eligible", String.valueOf(sum));
        bytes = " (" + Human.size(sum) + ")";
      }
      results.put("message", "Would delete " + deletions.count() + " manifests and " + eligible.size() + " blobs" + bytes + "; nothing was changed");
      return ActionResult.ok(results);
    }
    if (!deletions.isEmpty() && config.storageReadOnly()) {
      results.put("manifests-deleted", "0");
      return new ActionResult.Failed(what + " cannot delete manifests: the registry is read-only (storage-read-only=true)", results);
    }
    Map<String, Object> forced = new HashMap<>();
    boolean switched = false;
    long readOnlyFrom = 0;
    long readOnlyMillis = 0;
    String failure = null;
    Collector collector = new Collector();
    Status after = null;
    Deletions.Applied applied = new Deletions.Applied(0, 0, List.of());
    Reconciler.Facts back = ready.facts();
    Optional<Map<String, Long>> sizes = ready.sizes();
    try {
      if (!deletions.isEmpty()) {
        if (!config.storageDelete()) {
          // The operator keeps deletes off; the charm's own deletes need them for this step only.
          forced.put("storage-delete", true);
          tools.statusSet(Status.maintenance(what + ": letting the registry take the charm's deletes"));
          switched = true;
          Status deleting = reconciler.converge(reconciler.readWith(forced));
          if (deleting.kind() != Status.Kind.ACTIVE) {
            failure = "the registry could not be switched to take deletes: " + deleting.message();
          }
        }
        if (failure == null) {
          tools.statusSet(Status.maintenance(what + ": deleting " + deletions.count() + " manifests"));
          applied = deletions.apply(new RegistryApi(ready.access()), reader, ready.graph());
        }
      }
      if (failure == null && !config.storageReadOnly()) {
        forced.put("storage-read-only", true);
        tools.statusSet(Status.maintenance(what + ": making the registry read-only"));
        switched = true;
        readOnlyFrom = System.nanoTime();
        Status readOnly = reconciler.converge(reconciler.readWith(forced));
        if (readOnly.kind() != Status.Kind.ACTIVE) {
          failure = "the registry could not be made read-only: " + readOnly.message();
        } else {
          tools.statusSet(Status.maintenance(what + " running; the registry is read-only"));
        }
      }
      if (failure == null) {
        // Measured again once nothing can write: blobs uploaded since the action started count too.
        sizes = ready.sizes().isPresent() ? blobSizes() : sizes;
        failure = collect(config.registryName(), false, collector);
      }
      // Deleted blobs must leave every blob descriptor cache (redis, other units' memory) before
      // pushes resume; the facts returned carry a published cache generation (see CacheReset).
      back = cacheReset.afterCollection(back, !collector.eligible.isEmpty());
    } catch (RegistryApi.Failure | IllegalArgumentException e) {
      failure = "could not delete the manifests: " + e.getMessage();
    } finally {
      if (switched || back != ready.facts()) {
        after = reconciler.converge(back);
        if (readOnlyFrom != 0) {
          readOnlyMillis = (System.nanoTime() - readOnlyFrom) / 1_000_000;
        }
        tools.statusSet(after);
      }
    }
    results.put("manifests-deleted", String.valueOf(applied.deleted()));
    if (applied.kept() > 0) {
      results.put("manifests-kept", String.valueOf(applied.kept()));
    }
    results.putAll(collectionResults(collector, sizes, readOnlyMillis));
    results.put("message", "Deleted " + applied.deleted() + " manifests and " + results.get("deleted") + "; the registry was read-only for "
        + String.format(Locale.ROOT, "%.1f s", readOnlyMillis / 1000.0));
    results.remove("deleted");
    if (after != null && after.kind() != Status.Kind.ACTIVE) {
      String state = "the registry is not serving read-write again yet (" + after.message() + "); the next hook retries";
      return new ActionResult.Failed(failure == null ? what + " done, but " + state : what + " failed: " + failure + "; " + state, results);
    }
    if (failure != null) {
      String mode = switched ? "; the registry is read-write again" : "";
      return new ActionResult.Failed(what + " failed: " + failure + mode, results);
    }
    tools.log(LogLevel.INFO, what + ": " + results.get("message"));
    return ActionResult.ok(results);
  }

  private boolean running(String name) {
    try (RegistryContainer engine = docker.get()) {
      return engine.inspect(name).filter(c -> reconciler.owner().owns(c.labels())).map(ContainerState::running).orElse(false);
    }
  }

  /**
   * Runs the collector in the container, never with {@code --delete-untagged}; the reason it
   * failed, or null.
   */
  private String collect(String container, boolean dryRun, Collector collector) {
    List<String> command = new ArrayList<>(List.of("/bin/registry", "garbage-collect"));
    if (dryRun) {
      command.add("--dry-run");
    }
    command.add(Planner.CONFIG_PATH); // mounted at the same path in the container
    int exit;
    try (RegistryContainer engine = docker.get()) {
      exit = engine.exec(container, command, TIMEOUT, collector);
    } catch (IllegalStateException e) {
      return e.getMessage(); // it overran its deadline: the switch back to read-write ends it
    }
    if (exit != 0) {
      return "registry garbage-collect exited with " + exit + (collector.error == null ? "" : ": " + collector.error);
    }
    return null;
  }

  private Map<String, String> collectionResults(Collector c, Optional<Map<String, Long>> sizes, long readOnlyMillis) {
    Map<String, String> results = new LinkedHashMap<>();
    results.put("blobs-marked", String.valueOf(c.marked));
    results.put("blobs-eligible", String.valueOf(c.eligible.size()));
    results.put("read-only-ms", String.valueOf(readOnlyMillis));
    String deleted = "up to " + c.eligible.size() + " blobs (sizes are measured on filesystem storage only)";
    if (sizes.isPresent()) {
      long eligibleBytes = 0;
      long freedBytes = 0;
      int freed = 0;
      for (String digest : c.eligible) {
        Long size = sizes.get().getOrDefault(digest, 0L);
        eligibleBytes += size;
        if (sizes.get().containsKey(digest) && !files.exists(dataPath(digest))) {
          freedBytes += size;
          freed++;
        }
      }
      results.put("bytes-eligible", String.valueOf(eligibleBytes));
      results.put("blobs-freed", String.valueOf(freed));
      results.put("bytes-freed", String.valueOf(freedBytes));
      deleted = freed + " blobs (" + Human.size(freedBytes) + ")";
    }
    results.put("deleted", deleted);
    return results;
  }

  /** {@code sha256:<hex>} to the size of its data file, from the registry's filesystem layout. */
  private Optional<Map<String, Long>> blobSizes() {
    Path root = files.resolve(BLOBS);
    Map<String, Long> sizes = new HashMap<>();
    if (!Files.isDirectory(root)) {
      return Optional.of(sizes);
    }
    try (Stream<Path> paths = Files.walk(root, 4)) {
      paths.filter(p -> p.getFileName().toString().equals("data") && p.getNameCount() - root.getNameCount() == 4).forEach(p -> {
        Path blob = root.relativize(p);
        try {
          sizes.put(blob.getName(0) + ":" + blob.getName(2), Files.size(p));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      return Optional.of(sizes);
    } catch (IOException | UncheckedIOException e) {
      tools.log(LogLevel.WARNING, "Cannot measure the blobs under " + BLOBS + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  /** The data file of a blob in the filesystem driver's layout: blobs/sha256/ab/abcd.../data. */
  static String dataPath(String digest) {
    int colon = digest.indexOf(':');
    String algorithm = digest.substring(0, colon);
    String hex = digest.substring(colon + 1);
    return BLOBS + "/" + algorithm + "/" + hex.substring(0, 2) + "/" + hex + "/data";
  }

  /**
   * Reads the collector's report as it runs: every stored manifest and what it references
   * ({@link StoredGraph}), the summary, the blobs it deletes (or would), its error.
   */
  private static final class Collector implements RegistryContainer.OutputLines {
    final StoredGraph graph = new StoredGraph();
    final Set<String> eligible = new LinkedHashSet<>();
    long marked;
    String error;

    /** Whether it failed because the storage has no repositories directory: nothing was ever pushed. */
    boolean emptyStorage() {
      return error != null && error.contains("Path not found: ") && error.endsWith("/docker/registry/v2/repositories");
    }

    @Override
    public void line(boolean stderr, String text) {
      if (stderr) {
        int at = text.indexOf(FAILED);
        if (at >= 0) {
          error = text.substring(at + FAILED.length()).strip();
        }
        return;
      }
      Matcher m = ELIGIBLE.matcher(text);
      if (m.find()) {
        eligible.add(m.group(1));
        return;
      }
      m = SUMMARY.matcher(text);
      if (m.find()) {
        marked = Long.parseLong(m.group(1));
        return;
      }
      graph.line(text);
    }
  }
}
