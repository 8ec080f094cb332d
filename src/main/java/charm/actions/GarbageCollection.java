package charm.actions;

import charm.CacheReset;
import charm.Reconciler;
import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.Status;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import charm.workload.ContainerState;
import charm.workload.HostFiles;
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
 * The garbage-collect action: the registry's own {@code registry garbage-collect}, run inside the
 * unit's registry container (docker exec), while the registry is held read-only so that no push
 * can reference a blob the collector is deleting.
 *
 * <p>The read-only window is a reconcile with {@code storage-read-only} forced on for this process
 * only ({@link Reconciler#readWith}); a second reconcile with the operator's options ends it,
 * whatever the collector did. Juju's config is never changed: if the action dies in between, the
 * next hook (update-status at the latest) restores the operator's mode. Each switch replaces the
 * container, which also ends a collector that overran its deadline.
 *
 * <p>On filesystem storage the space is measured on the unit: the size of each blob's data file
 * under /srv/registry before the run, summed over the blobs the collector deleted.
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

  ActionResult run(Map<String, Object> params) {
    Reconciler.Facts facts = reconciler.read();
    Reconciler.Access access = reconciler.access(facts);
    if (access.notReady().isPresent()) {
      return ActionResult.notReady(access.notReady().get());
    }
    RegistryConfig config = facts.config();
    if (ContainerActions.stopped(facts)) {
      return ActionResult.fail(config.registryName() + " was stopped with the stop action; run the start action first");
    }
    if (!running(config.registryName())) {
      return ActionResult.fail(config.registryName() + " is not running; see the unit's status");
    }
    boolean dryRun = Params.flag(params, "dry-run", false);
    boolean untagged = Params.flag(params, "delete-untagged", true);
    Optional<Map<String, Long>> sizes = config.storageBackend() == RegistryConfig.StorageBackend.FILESYSTEM ? blobSizes() : Optional.empty();
    // A dry run deletes nothing: it needs no read-only window (and costs no downtime).
    boolean hold = !dryRun && !config.storageReadOnly();
    Collector collector = new Collector();
    String failure = null;
    long readOnlyFrom = System.nanoTime();
    long readOnlyMillis = 0;
    Status after = null;
    try {
      if (hold) {
        tools.statusSet(Status.maintenance("Garbage collection: making the registry read-only"));
        Status readOnly = reconciler.converge(reconciler.readWith(Map.of("storage-read-only", true)));
        if (readOnly.kind() != Status.Kind.ACTIVE) {
          failure = "the registry could not be made read-only: " + readOnly.message();
        } else {
          tools.statusSet(Status.maintenance("Garbage collection running; the registry is read-only"));
        }
      }
      if (failure == null) {
        failure = collect(config.registryName(), dryRun, untagged, collector);
      }
      // Deleted blobs must leave every blob descriptor cache (redis, other units' memory) before
      // pushes resume; the facts returned carry a published cache generation (see CacheReset).
      facts = cacheReset.afterCollection(facts, !dryRun && !collector.eligible.isEmpty());
    } finally {
      if (hold) {
        after = reconciler.converge(facts);
        readOnlyMillis = (System.nanoTime() - readOnlyFrom) / 1_000_000;
        tools.statusSet(after);
      }
    }
    Map<String, String> results = results(dryRun, collector, sizes, readOnlyMillis);
    if (after != null && after.kind() != Status.Kind.ACTIVE) {
      String state = "the registry is not serving read-write again yet (" + after.message() + "); the next hook retries";
      return new ActionResult.Failed(failure == null ? "Garbage collection done, but " + state : "Garbage collection failed: " + failure + "; " + state, results);
    }
    if (failure != null) {
      String mode = hold ? "; the registry is read-write again" : "";
      return new ActionResult.Failed("Garbage collection failed: " + failure + mode, results);
    }
    tools.log(LogLevel.INFO, results.get("message"));
    return ActionResult.ok(results);
  }

  private boolean running(String name) {
    try (RegistryContainer engine = docker.get()) {
      return engine.inspect(name).filter(c -> reconciler.owner().owns(c.labels())).map(ContainerState::running).orElse(false);
    }
  }

  /** Runs the collector in the container; the reason it failed, or null. */
  private String collect(String container, boolean dryRun, boolean untagged, Collector collector) {
    List<String> command = new ArrayList<>(List.of("/bin/registry", "garbage-collect"));
    if (dryRun) {
      command.add("--dry-run");
    }
    if (untagged) {
      command.add("--delete-untagged");
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

  private Map<String, String> results(boolean dryRun, Collector c, Optional<Map<String, Long>> sizes, long readOnlyMillis) {
    Map<String, String> results = new LinkedHashMap<>();
    results.put("dry-run", String.valueOf(dryRun));
    results.put("blobs-marked", String.valueOf(c.marked));
    results.put("blobs-eligible", String.valueOf(c.eligible.size()));
    results.put("manifests-eligible", String.valueOf(c.manifests));
    results.put("read-only-ms", String.valueOf(readOnlyMillis));
    String deleted = "up to " + c.eligible.size() + " blobs (sizes are measured on filesystem storage only)";
    if (sizes.isPresent()) {
      long eligibleBytes = 0;
      long freedBytes = 0;
      int freed = 0;
      for (String digest : c.eligible) {
        Long size = sizes.get().getOrDefault(digest, 0L);
        eligibleBytes += size;
        if (!dryRun && sizes.get().containsKey(digest) && !files.exists(dataPath(digest))) {
          freedBytes += size;
          freed++;
        }
      }
      results.put("bytes-eligible", String.valueOf(eligibleBytes));
      results.put("blobs-freed", String.valueOf(freed));
      results.put("bytes-freed", String.valueOf(freedBytes));
      deleted = dryRun
          ? c.eligible.size() + " blobs (" + Human.size(eligibleBytes) + ")"
          : freed + " blobs (" + Human.size(freedBytes) + ")";
    }
    results.put("message", dryRun
        ? "Would delete " + deleted + " and " + c.manifests + " manifests; nothing was changed"
        : "Deleted " + deleted + "; the registry was read-only for " + String.format(Locale.ROOT, "%.1f s", readOnlyMillis / 1000.0));
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

  /** Reads the collector's report as it runs: the summary, the blobs it deletes, its error. */
  private static final class Collector implements RegistryContainer.OutputLines {
    final Set<String> eligible = new LinkedHashSet<>();
    long marked;
    long manifests;
    String error;

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
        manifests = Long.parseLong(m.group(3));
      }
    }
  }
}
