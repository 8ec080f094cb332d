package charm.actions;

import charm.content.ContentReader;
import charm.content.StoredGraph;
import charm.workload.RegistryApi;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Manifests to delete by digest before a collection, per repository, and the tags that may go
 * with them. {@link #apply} deletes them through the registry's API after one last look at the
 * repository's tags: a manifest that a tag now reaches (pushed since the plan was made), directly
 * or through an index, is kept. The registry deletes a manifest with every tag that names it, so
 * only the tags in {@code tagsGoing} may go.
 */
final class Deletions {
  /** repository -> manifest digests, in a stable order. */
  final Map<String, Set<String>> manifests = new TreeMap<>();
  /** repository -> the tags that may go with them (prune); none for untagged cleanup. */
  final Map<String, Set<String>> tagsGoing = new TreeMap<>();

  void add(String repository, Set<String> digests, Set<String> tags) {
    if (!digests.isEmpty()) {
      manifests.computeIfAbsent(repository, r -> new LinkedHashSet<>()).addAll(digests);
      tagsGoing.computeIfAbsent(repository, r -> new LinkedHashSet<>()).addAll(tags);
    }
  }

  boolean isEmpty() {
    return manifests.isEmpty();
  }

  int count() {
    return manifests.values().stream().mapToInt(Set::size).sum();
  }

  /**
   * The bytes a collection frees once these manifests are gone: the size of every blob (and
   * manifest) that only they reference, across every repository of {@code graph}; sizes from
   * the deleted manifests' descriptors, which {@code reader} reads when it has not yet.
   */
  long bytesFreed(StoredGraph graph, ContentReader reader) {
    Set<String> before = graph.marked(Map.of());
    Set<String> after = graph.marked(manifests);
    Map<String, Long> sizes = new java.util.HashMap<>();
    manifests.forEach((repository, digests) -> digests.forEach(d -> reader.manifest(repository, d).ifPresent(m -> {
      sizes.put(m.digest(), m.size());
      m.blobs().forEach(b -> sizes.merge(b.digest(), b.size(), Math::max));
      m.children().forEach(c -> sizes.merge(c.digest(), c.size(), Math::max));
    })));
    long bytes = 0;
    for (String digest : before) {
      if (!after.contains(digest)) {
        bytes += sizes.getOrDefault(digest, 0L);
      }
    }
    return bytes;
  }

  /** The digests that no manifest references any more once these are gone. */
  Set<String> blobsFreed(StoredGraph graph) {
    Set<String> freed = new LinkedHashSet<>(graph.marked(Map.of()));
    freed.removeAll(graph.marked(manifests));
    return freed;
  }

  /** What {@link #apply} did. */
  record Applied(int deleted, int kept, List<String> keptWhy) {}

  /**
   * Deletes the manifests, repository by repository, each after a last look at its tags; a
   * manifest that a tag not going reaches is kept.
   */
  Applied apply(RegistryApi api, ContentReader reader, StoredGraph graph) {
    int deleted = 0;
    int kept = 0;
    List<String> why = new java.util.ArrayList<>();
    for (Map.Entry<String, Set<String>> e : manifests.entrySet()) {
      String repository = e.getKey();
      Set<String> protect = protectedNow(repository, reader, graph, tagsGoing.getOrDefault(repository, Set.of()));
      for (String digest : e.getValue()) {
        if (protect.contains(digest)) {
          kept++;
          why.add(repository + "@" + digest + " (a tag reaches it now)");
          continue;
        }
        if (api.deleteManifest(repository, digest)) {
          deleted++;
        }
      }
    }
    return new Applied(deleted, kept, why);
  }

  /**
   * Everything a tag reaches in the repository now, but for the tags that may go: the stored
   * graph's closure of their digests, and for a manifest pushed since (unknown to the graph)
   * its platform manifests as the registry serves them.
   */
  private static Set<String> protectedNow(String repository, ContentReader reader, StoredGraph graph, Set<String> going) {
    Set<String> roots = new HashSet<>();
    for (ContentReader.Tagged t : reader.tagged(repository)) {
      if (!going.contains(t.tag())) {
        roots.add(t.manifest().digest());
        t.manifest().children().forEach(c -> roots.add(c.digest()));
      }
    }
    return graph.reached(repository, roots);
  }
}
