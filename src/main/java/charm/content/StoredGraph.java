package charm.content;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every manifest the storage holds, per repository, with what each references, as the registry's
 * own collector reports it in a dry run without {@code --delete-untagged}: it enumerates every
 * manifest revision of every repository on any storage driver and prints, for each, the blobs it
 * marks (an image's config and layers; an index's platform manifests). The registry's HTTP API
 * cannot list manifests that no tag names; this can.
 *
 * <p>Fed line by line ({@link #line}) as the collector prints; pure otherwise.
 */
public final class StoredGraph {
  private static final Pattern MANIFEST = Pattern.compile("^(\\S+): marking manifest (\\S+)");
  private static final Pattern BLOB = Pattern.compile("^(\\S+): marking blob (\\S+)");

  /** repository -> manifest digest -> the digests it references. */
  private final Map<String, Map<String, List<String>>> repositories = new LinkedHashMap<>();
  private List<String> current;
  private String currentRepository;

  /** Reads one line of the collector's standard output; lines of another shape are ignored. */
  public void line(String text) {
    Matcher m = MANIFEST.matcher(text);
    if (m.find()) {
      currentRepository = m.group(1);
      current = new ArrayList<>();
      repositories.computeIfAbsent(currentRepository, r -> new LinkedHashMap<>()).put(m.group(2), current);
      return;
    }
    m = BLOB.matcher(text);
    if (m.find() && m.group(1).equals(currentRepository) && current != null) {
      current.add(m.group(2));
    }
  }

  /** The repositories that hold at least one manifest. */
  public Set<String> repositories() {
    return repositories.keySet();
  }

  /** The manifests stored in a repository (none when it holds none). */
  public Set<String> manifests(String repository) {
    return repositories.getOrDefault(repository, Map.of()).keySet();
  }

  /** What a stored manifest references (blobs and, for an index, manifests). */
  public List<String> references(String repository, String manifest) {
    return repositories.getOrDefault(repository, Map.of()).getOrDefault(manifest, List.of());
  }

  /**
   * The manifests of a repository that the given roots reach: the roots themselves and,
   * transitively, the stored manifests an index among them references.
   */
  public Set<String> reached(String repository, Set<String> roots) {
    Map<String, List<String>> stored = repositories.getOrDefault(repository, Map.of());
    Set<String> reached = new LinkedHashSet<>();
    List<String> todo = new ArrayList<>(roots);
    while (!todo.isEmpty()) {
      String digest = todo.remove(todo.size() - 1);
      if (reached.add(digest)) {
        for (String ref : stored.getOrDefault(digest, List.of())) {
          if (stored.containsKey(ref)) {
            todo.add(ref);
          }
        }
      }
    }
    return reached;
  }

  /**
   * Every digest the collector would mark if {@code removed} (repository -> manifests) were
   * deleted first: each remaining manifest and what it references, across all repositories.
   */
  public Set<String> marked(Map<String, Set<String>> removed) {
    Set<String> marked = new LinkedHashSet<>();
    repositories.forEach((repository, manifests) -> manifests.forEach((digest, refs) -> {
      if (!removed.getOrDefault(repository, Set.of()).contains(digest)) {
        marked.add(digest);
        marked.addAll(refs);
      }
    }));
    return marked;
  }
}
