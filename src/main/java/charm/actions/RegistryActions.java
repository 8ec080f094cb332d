package charm.actions;

import charm.CacheReset;
import charm.Reconciler;
import charm.content.ContentReader;
import charm.content.Usage;
import charm.juju.HookTools;
import charm.registry.ImageRef;
import charm.workload.HostFiles;
import charm.workload.MaintenanceLog;
import charm.workload.RegistryContainer;
import charm.workload.RegistryAccess;
import charm.workload.RegistryApi;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The registry-side actions: catalog and delete through the unit's own registry's HTTP API, over
 * HTTPS and with basic-auth credentials as configured (see {@link Reconciler#access}), and
 * garbage-collect ({@link GarbageCollection}) inside its container.
 */
public final class RegistryActions {
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 1000; // registry 2.8 refuses n above 1000 (PAGINATION_NUMBER_INVALID)

  private final Reconciler reconciler;
  private final GarbageCollection gc;
  private final Prune prune;
  private final CacheReset cacheReset;
  private final MaintenanceLog maintenanceLog;
  private final HookTools tools;

  public RegistryActions(HookTools tools, Supplier<RegistryContainer> docker, HostFiles files, Reconciler reconciler) {
    this.reconciler = reconciler;
    this.cacheReset = new CacheReset(tools, reconciler.owner());
    this.gc = new GarbageCollection(tools, docker, files, reconciler, cacheReset);
    this.prune = new Prune(gc);
    this.maintenanceLog = new MaintenanceLog(files);
    this.tools = tools;
  }

  /** prune: see {@link Prune}. */
  public ActionResult prune(Map<String, Object> params) {
    return noted("prune", cacheReset.report(prune.run(params)));
  }

  /**
   * usage: what the tagged content weighs, per repository and in all, read through the
   * registry's API (every storage driver): see {@link Usage}.
   */
  public ActionResult usage(Map<String, Object> params) {
    Reconciler.Facts facts = reconciler.read();
    Connection registry = connect(facts);
    if (registry.refused() != null) {
      return registry.refused();
    }
    String only = Params.text(params, "repository").strip();
    if (!only.isEmpty() && !isRepositoryName(only)) {
      return notARepository(only);
    }
    long started = System.nanoTime();
    try (ContentReader reader = new ContentReader(registry.api())) {
      List<String> repositories = only.isEmpty() ? reader.repositories() : List.of(only);
      Usage usage = new Usage();
      for (String repository : repositories) {
        usage.add(repository, reader.tagged(repository), reader::known);
      }
      List<String[]> table = new ArrayList<>();
      table.add(new String[] {"REPOSITORY", "TAGS", "MANIFESTS", "OWN", "SHARED"});
      List<Usage.Line> lines = usage.lines();
      lines.stream().limit(Prune.MAX_LINES).forEach(l -> table.add(new String[] {
          l.repository(), String.valueOf(l.tags()), String.valueOf(l.manifests()), Human.size(l.ownBytes()), Human.size(l.sharedBytes())}));
      String output = ImageTable.align(table) + (lines.size() > Prune.MAX_LINES ? "\n… and " + (lines.size() - Prune.MAX_LINES) + " more repositories" : "");
      Map<String, String> results = new LinkedHashMap<>();
      results.put("output", output);
      results.put("repositories", String.valueOf(repositories.size()));
      results.put("tags", String.valueOf(usage.tags()));
      results.put("bytes", String.valueOf(usage.uniqueBytes()));
      results.put("requests", String.valueOf(reader.requests() ));
      results.put("message", repositories.size() + " repositories, " + usage.tags() + " tags, " + Human.size(usage.uniqueBytes())
          + " stored (each blob once; untagged manifests not counted) in " + String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - started) / 1e9));
      return ActionResult.ok(results);
    } catch (RegistryApi.Failure | IllegalArgumentException e) {
      return ActionResult.fail("Could not read the registry: " + e.getMessage());
    }
  }

  /**
   * The job scheduled maintenance runs on the leader (see charm.ScheduledMaintenance), only while
   * the unit is ready: prune (and its collection) when retention-policy is set, else garbage
   * collection with its defaults. What it reports goes to the log, a failure to the leader's
   * status until a later run succeeds.
   */
  public ActionResult scheduledMaintenance() {
    if (!reconciler.read().config().retentionPolicy().isEmpty()) {
      return noted("scheduled-prune", cacheReset.report(prune.run(Map.of("dry-run", false))));
    }
    return noted("scheduled-garbage-collect", cacheReset.report(gc.run(Map.of())));
  }

  /**
   * The outcome, also as a line of the maintenance log ({@link MaintenanceLog}), which COS's log
   * alert watches: "done" with the message, or "failed" with the reason. A log that cannot be
   * written fails nothing (the action's own output says the same).
   */
  private ActionResult noted(String what, ActionResult result) {
    String name = what + ("true".equals(result.results().get("dry-run")) ? "-dry-run" : "");
    boolean failed = result instanceof ActionResult.Failed;
    String message = failed ? ((ActionResult.Failed) result).message() : result.results().getOrDefault("message", "");
    try {
      maintenanceLog.note(Instant.now(), name, failed, message);
    } catch (UncheckedIOException e) {
      tools.log(HookTools.LogLevel.WARNING, "Could not write " + charm.registry.Layout.MAINTENANCE_LOG + ": " + e.getMessage());
    }
    return result;
  }

  /** garbage-collect: see {@link GarbageCollection}; the caches it reset: see {@link CacheReset}. */
  public ActionResult garbageCollect(Map<String, Object> params) {
    return noted("garbage-collect", cacheReset.report(gc.run(params)));
  }

  /**
   * catalog: every repository ({@code _catalog}) or the one given, with its tags ({@code
   * tags/list}), asking for {@code limit} entries per request and following the registry's {@code
   * Link} pages to the end.
   */
  public ActionResult catalog(Map<String, Object> params) {
    Reconciler.Facts facts = reconciler.read();
    Connection registry = connect(facts);
    if (registry.refused() != null) {
      return registry.refused();
    }
    Optional<Integer> limit = Params.integer(params, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    if (limit.isEmpty()) {
      return ActionResult.fail("limit must be a whole number from 1 to " + MAX_PAGE);
    }
    String only = Params.text(params, "repository").strip();
    if (!only.isEmpty() && !isRepositoryName(only)) {
      return notARepository(only);
    }
    try {
      int requests = 0;
      List<String> repositories;
      if (only.isEmpty()) {
        RegistryApi.Listing catalog = registry.api().catalog(limit.get());
        repositories = catalog.items();
        requests += catalog.requests();
      } else {
        repositories = List.of(only);
      }
      List<String[]> table = new ArrayList<>();
      table.add(new String[] {"REPOSITORY", "TAGS"});
      int tags = 0;
      for (String repository : repositories) {
        Optional<RegistryApi.Listing> listing = registry.api().tags(repository, limit.get());
        if (listing.isEmpty() && !only.isEmpty()) {
          return ActionResult.fail("Repository " + only + " is not in the registry");
        }
        List<String> names = listing.map(RegistryApi.Listing::items).orElse(List.of());
        requests += listing.map(RegistryApi.Listing::requests).orElse(1);
        tags += names.size();
        table.add(new String[] {repository, names.isEmpty() ? ImageTable.NONE : String.join(" ", new TreeSet<>(names))});
      }
      Map<String, String> results = new LinkedHashMap<>();
      results.put("output", ImageTable.align(table));
      results.put("repositories", String.valueOf(repositories.size()));
      results.put("tags", String.valueOf(tags));
      results.put("requests", String.valueOf(requests));
      return ActionResult.ok(results);
    } catch (RegistryApi.Failure e) {
      return ActionResult.fail("Could not list the registry: " + e.getMessage());
    }
  }

  /**
   * delete: removes a manifest from the registry's storage, by digest ({@code name@digest}) or by
   * the digest a tag names ({@code name:tag}); every tag of that manifest goes with it. The space
   * comes back with garbage-collect. Refused while storage-delete is off or the registry is
   * read-only.
   */
  public ActionResult delete(Map<String, Object> params) {
    Reconciler.Facts facts = reconciler.read();
    Connection registry = connect(facts);
    if (registry.refused() != null) {
      return registry.refused();
    }
    String image = Params.text(params, "image").strip();
    Optional<ImageRef> ref = ImageRef.parse(image);
    if (ref.isEmpty() || !ref.get().host().isEmpty()) {
      return ActionResult.fail("image \"" + image + "\" is not NAME:TAG or NAME@DIGEST of this registry (no host)");
    }
    boolean byDigest = !ref.get().digest().isEmpty();
    if (!byDigest && !image.endsWith(":" + ref.get().tag())) {
      return ActionResult.fail("image \"" + image + "\" names no tag or digest; give NAME:TAG or NAME@DIGEST");
    }
    if (!facts.config().storageDelete()) {
      return ActionResult.fail("Deleting is off: the registry refuses deletes while storage-delete is false; "
          + "set storage-delete=true and run the action again");
    }
    if (facts.config().storageReadOnly()) {
      return ActionResult.fail("The registry is read-only (storage-read-only=true); it refuses deletes");
    }
    String repository = ref.get().path();
    try {
      String digest = byDigest ? ref.get().digest() : registry.api().manifestDigest(repository, ref.get().tag()).orElse(null);
      if (digest == null) {
        return ActionResult.fail("No manifest " + image + " in the registry");
      }
      Set<String> before = tagSet(registry.api(), repository);
      if (!registry.api().deleteManifest(repository, digest)) {
        return ActionResult.fail("No manifest " + repository + "@" + digest + " in the registry");
      }
      before.removeAll(tagSet(registry.api(), repository));
      Map<String, String> results = new LinkedHashMap<>();
      results.put("raw", "deleted " + repository + "@" + digest);
      results.put("repository", repository);
      results.put("digest", digest);
      results.put("tags", String.join(" ", before));
      results.put("message", "Deleted " + repository + "@" + digest + (before.isEmpty() ? "" : " (tags: " + String.join(", ", before) + ")")
          + "; run garbage-collect to free its space");
      return ActionResult.ok(results);
    } catch (RegistryApi.Failure e) {
      return ActionResult.fail("Could not delete " + image + ": " + e.getMessage());
    }
  }

  private static Set<String> tagSet(RegistryApi registry, String repository) {
    return new TreeSet<>(registry.tags(repository, DEFAULT_PAGE).map(RegistryApi.Listing::items).orElse(List.of()));
  }

  /** A client for the registry, or why the action cannot have one. */
  private record Connection(RegistryApi api, ActionResult refused) {}

  private Connection connect(Reconciler.Facts facts) {
    Reconciler.Access access = reconciler.access(facts);
    if (access.notReady().isPresent()) {
      return new Connection(null, ActionResult.notReady(access.notReady().get()));
    }
    if (ContainerActions.stopped(facts)) {
      return new Connection(null, ActionResult.fail(
          facts.config().registryName() + " was stopped with the stop action; run the start action first"));
    }
    RegistryAccess registry = access.registry().orElseThrow();
    if (registry.tokenAuth()) {
      return new Connection(null, ActionResult.fail("The registry uses token authentication (auth-token-*): the charm has no token "
          + "for its API; use a client with a token from " + facts.config().tokenAuth().map(t -> t.realm()).orElse("the token server")));
    }
    return new Connection(new RegistryApi(registry), null);
  }

  private static ActionResult notARepository(String text) {
    return ActionResult.fail("repository \"" + text + "\" is not a repository name (NAME, e.g. library/ubuntu, without host or tag)");
  }

  /** A repository name: the grammar's NAME without a host, tag or digest. */
  static boolean isRepositoryName(String text) {
    Optional<ImageRef> ref = ImageRef.parse(text);
    return ref.isPresent() && ref.get().host().isEmpty() && ref.get().path().equals(text);
  }
}
