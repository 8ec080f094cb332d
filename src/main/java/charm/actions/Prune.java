package charm.actions;

import charm.content.ContentReader;
import charm.content.Retention;
import charm.content.RetentionPolicy;
import charm.content.StoredGraph;
import charm.workload.RegistryApi;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The prune action: removes the tags {@code retention-policy} lets go (see {@link
 * RetentionPolicy}, {@link Retention}), with their manifests, the platform manifests of an index
 * that nothing else reaches and, where a rule says {@code untagged: true}, the manifests no tag
 * reaches; then collects the freed blobs ({@link GarbageCollection#collectAfter}). A dry run
 * (the default) reports the same and changes nothing.
 */
final class Prune {
  /** Lines of the per-repository report; past them it says how many more. */
  static final int MAX_LINES = 200;

  private final GarbageCollection gc;

  Prune(GarbageCollection gc) {
    this.gc = gc;
  }

  ActionResult run(Map<String, Object> params) {
    boolean dryRun = Params.flag(params, "dry-run", true);
    GarbageCollection.Start start = gc.start("Prune");
    if (start.answer() != null) {
      return start.answer();
    }
    GarbageCollection.Ready ready = start.ready();
    RetentionPolicy policy = ready.config().retentionPolicy();
    if (policy.isEmpty()) {
      return ActionResult.fail("retention-policy is empty: nothing to prune; set rules with juju config (see the option's description)");
    }
    try (ContentReader reader = GarbageCollection.reader(ready)) {
      if (reader == null) {
        return ActionResult.fail("The registry uses token authentication (auth-token-*): the charm has no token to read its tags, so it cannot prune");
      }
      Deletions deletions = new Deletions();
      Report report = new Report();
      Instant now = Instant.now();
      for (String repository : repositories(reader, ready.graph(), policy)) {
        plan(repository, reader, ready.graph(), policy, now, deletions, report);
      }
      Map<String, String> results = new LinkedHashMap<>();
      results.put("output", report.text(dryRun));
      results.put("repositories", String.valueOf(report.repositories));
      results.put("tags", String.valueOf(report.tags));
      results.put("manifests", String.valueOf(deletions.count()));
      results.put("unageable", String.valueOf(report.unageable));
      results.put("bytes", String.valueOf(deletions.bytesFreed(ready.graph(), reader)));
      String summary = (dryRun ? "Would remove " : "Removing ") + report.tags + " tags in " + report.repositories + " repositories ("
          + deletions.count() + " manifests, " + Human.size(Long.parseLong(results.get("bytes"))) + " to free)";
      if (dryRun) {
        results.put("dry-run", "true");
        results.put("message", summary + "; nothing was changed. Run prune dry-run=false to remove them.");
        return ActionResult.ok(results);
      }
      return gc.collectAfter(ready, deletions, reader, false, results, "Prune");
    } catch (RegistryApi.Failure | IllegalArgumentException e) {
      return ActionResult.fail("Prune failed: could not read the registry: " + e.getMessage() + "; nothing was deleted");
    }
  }

  /** The repositories some rule matches, from the catalog and the storage. */
  private static Set<String> repositories(ContentReader reader, StoredGraph graph, RetentionPolicy policy) {
    Set<String> all = new java.util.TreeSet<>(reader.repositories());
    all.addAll(graph.repositories());
    all.removeIf(r -> policy.rulesFor(r).isEmpty());
    return all;
  }

  private static void plan(String repository, ContentReader reader, StoredGraph graph, RetentionPolicy policy, Instant now,
      Deletions deletions, Report report) {
    List<ContentReader.Tagged> tagged = reader.tagged(repository);
    Map<String, Optional<Instant>> created = reader.created(repository, tagged);
    List<Retention.Tag> tags = new ArrayList<>();
    tagged.forEach(t -> tags.add(new Retention.Tag(t.tag(), t.manifest().digest(), created.get(t.tag()))));
    Retention.Decision decision = Retention.decide(tags, policy.rulesFor(repository), now);
    Set<String> keptRoots = new LinkedHashSet<>();
    for (ContentReader.Tagged t : tagged) {
      if (!decision.removed().containsKey(t.tag())) {
        keptRoots.add(t.manifest().digest());
        t.manifest().children().forEach(c -> keptRoots.add(c.digest()));
      }
    }
    Set<String> kept = graph.reached(repository, keptRoots);
    Set<String> going = new LinkedHashSet<>();
    if (policy.removesUntagged(repository)) {
      going.addAll(graph.manifests(repository));
    }
    going.addAll(graph.reached(repository, decision.digests()));
    going.addAll(decision.digests());
    going.removeAll(kept);
    int untagged = (int) going.stream().filter(d -> !decision.digests().contains(d)).count();
    deletions.add(repository, going, decision.removed().keySet());
    report.add(repository, decision, untagged);
  }

  /** The per-repository lines: removed tags only (kept ones are not listed), and what could not be aged. */
  private static final class Report {
    final List<String[]> rows = new ArrayList<>();
    int repositories;
    int tags;
    int unageable;

    void add(String repository, Retention.Decision d, int otherManifests) {
      unageable += d.unageable().size();
      if (d.removed().isEmpty() && otherManifests == 0 && d.unageable().isEmpty()) {
        return;
      }
      if (!d.removed().isEmpty() || otherManifests > 0) {
        repositories++;
      }
      tags += d.removed().size();
      StringBuilder what = new StringBuilder(String.join(" ", d.removed().keySet()));
      if (otherManifests > 0) {
        what.append(what.length() == 0 ? "" : " ").append("(+").append(otherManifests).append(" untagged manifests)");
      }
      if (!d.unageable().isEmpty()) {
        what.append(what.length() == 0 ? "" : "; ").append("kept, no date: ").append(String.join(" ", d.unageable()));
      }
      if (!d.shared().isEmpty()) {
        what.append(what.length() == 0 ? "" : "; ").append("kept, manifest shared with a kept tag: ").append(String.join(" ", d.shared()));
      }
      rows.add(new String[] {repository, String.valueOf(d.removed().size()), what.length() == 0 ? ImageTable.NONE : what.toString()});
    }

    String text(boolean dryRun) {
      List<String[]> table = new ArrayList<>();
      table.add(new String[] {"REPOSITORY", dryRun ? "WOULD REMOVE" : "REMOVED", "TAGS"});
      rows.stream().limit(MAX_LINES).forEach(table::add);
      String text = rows.isEmpty() ? "Nothing to remove." : ImageTable.align(table);
      return rows.size() > MAX_LINES ? text + "\n… and " + (rows.size() - MAX_LINES) + " more repositories" : text;
    }
  }
}
