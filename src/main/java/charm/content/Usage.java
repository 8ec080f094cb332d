package charm.content;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What the tagged content of a registry weighs: per repository its tags, the manifests they
 * reach, the bytes only it uses and the bytes it shares with other repositories; in all, the
 * bytes stored once each (a blob shared by many repositories is stored once). Every manifest is
 * a blob of its own and counts. Pure: fed with what {@link ContentReader} read.
 */
public final class Usage {
  /** One repository's line. */
  public record Line(String repository, int tags, int manifests, long ownBytes, long sharedBytes) {}

  private final Map<String, Set<String>> manifestsOf = new LinkedHashMap<>();
  private final Map<String, Integer> tagsOf = new LinkedHashMap<>();
  private final Map<String, Long> sizes = new HashMap<>();
  private final Map<String, Set<String>> users = new HashMap<>();

  /**
   * Adds a repository's tags; {@code lookup} gives the platform manifests of an index (those it
   * cannot give are left out).
   */
  public void add(String repository, List<ContentReader.Tagged> tagged, Function<String, Optional<Manifest>> lookup) {
    tagsOf.put(repository, tagged.size());
    Set<String> manifests = manifestsOf.computeIfAbsent(repository, r -> new HashSet<>());
    List<Manifest> todo = new ArrayList<>();
    tagged.forEach(t -> todo.add(t.manifest()));
    while (!todo.isEmpty()) {
      Manifest m = todo.remove(todo.size() - 1);
      if (!manifests.add(m.digest())) {
        continue;
      }
      use(repository, m.digest(), m.size());
      m.blobs().forEach(b -> use(repository, b.digest(), b.size()));
      m.children().forEach(c -> lookup.apply(c.digest()).ifPresent(todo::add));
    }
  }

  private void use(String repository, String digest, long size) {
    sizes.merge(digest, size, Math::max);
    users.computeIfAbsent(digest, d -> new HashSet<>()).add(repository);
  }

  /** Every repository added, in the order added. */
  public List<Line> lines() {
    Map<String, long[]> bytes = new HashMap<>();
    users.forEach((digest, repositories) -> {
      long size = sizes.get(digest);
      for (String r : repositories) {
        bytes.computeIfAbsent(r, k -> new long[2])[repositories.size() == 1 ? 0 : 1] += size;
      }
    });
    List<Line> lines = new ArrayList<>();
    tagsOf.forEach((repository, tags) -> {
      long[] b = bytes.getOrDefault(repository, new long[2]);
      lines.add(new Line(repository, tags, manifestsOf.get(repository).size(), b[0], b[1]));
    });
    return lines;
  }

  /** The bytes stored, each blob once. */
  public long uniqueBytes() {
    return sizes.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Tags in all repositories. */
  public int tags() {
    return tagsOf.values().stream().mapToInt(Integer::intValue).sum();
  }
}
