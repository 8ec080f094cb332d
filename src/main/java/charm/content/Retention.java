package charm.content;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which tags of one repository a {@link RetentionPolicy} lets go. Pure.
 *
 * <p>The registry's API removes a manifest by digest, with every tag that names it (registry 2.8
 * cannot remove a tag alone), so a tag whose manifest another, kept, tag names stays too.
 */
public final class Retention {
  private Retention() {}

  /** A tag, the digest it names and its image's creation time (empty: it cannot be aged). */
  public record Tag(String name, String digest, Optional<Instant> created) {}

  /**
   * The decision for one repository.
   *
   * @param removed the tags that go, by name, with the digest each names
   * @param digests the manifests to delete for them
   * @param unageable tags kept because their age cannot be told (no config date)
   * @param shared tags the rules let go but that stay: another tag that stays names the same manifest
   */
  public record Decision(Map<String, String> removed, Set<String> digests, List<String> unageable, List<String> shared) {}

  public static Decision decide(List<Tag> tags, List<RetentionPolicy.Rule> rules, Instant now) {
    List<RetentionPolicy.Rule> judging = rules.stream().filter(RetentionPolicy.Rule::judgesTags).toList();
    List<String> unageable = tags.stream().filter(t -> t.created().isEmpty()).map(Tag::name).sorted().toList();
    if (judging.isEmpty()) {
      return new Decision(Map.of(), Set.of(), List.of(), List.of());
    }
    Set<String> candidates = null;
    for (RetentionPolicy.Rule rule : judging) {
      Set<String> allowed = allowed(tags, rule, now);
      if (candidates == null) {
        candidates = allowed;
      } else {
        candidates.retainAll(allowed);
      }
    }
    Set<String> keptDigests = new HashSet<>();
    for (Tag t : tags) {
      if (!candidates.contains(t.name())) {
        keptDigests.add(t.digest());
      }
    }
    Map<String, String> removed = new TreeMap<>();
    Set<String> digests = new LinkedHashSet<>();
    List<String> shared = new ArrayList<>();
    for (Tag t : tags) {
      if (!candidates.contains(t.name())) {
        continue;
      }
      if (keptDigests.contains(t.digest())) {
        shared.add(t.name());
      } else {
        removed.put(t.name(), t.digest());
        digests.add(t.digest());
      }
    }
    shared.sort(null);
    return new Decision(removed, digests, unageable, shared);
  }

  /** The tags one rule lets go: aged, not among the newest keep-last, not matching keep-tags, old enough. */
  private static Set<String> allowed(List<Tag> tags, RetentionPolicy.Rule rule, Instant now) {
    List<Tag> aged = new ArrayList<>(tags.stream().filter(t -> t.created().isPresent()).toList());
    // Newest first; at the same time the greater tag name counts as newer.
    aged.sort(Comparator.comparing((Tag t) -> t.created().get()).thenComparing(Tag::name).reversed());
    Set<String> allowed = new LinkedHashSet<>();
    int keep = rule.keepLast().orElse(0);
    for (int i = 0; i < aged.size(); i++) {
      Tag t = aged.get(i);
      if (i < keep) {
        continue;
      }
      if (rule.keepTags().isPresent() && rule.keepTags().get().matcher(t.name()).matches()) {
        continue;
      }
      if (rule.olderThan().isPresent() && !t.created().get().isBefore(now.minus(rule.olderThan().get()))) {
        continue;
      }
      allowed.add(t.name());
    }
    return allowed;
  }

  /** Tags by the digest they name, for reports. */
  public static Map<String, List<String>> byDigest(List<Tag> tags) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    tags.forEach(t -> out.computeIfAbsent(t.digest(), d -> new ArrayList<>()).add(t.name()));
    return out;
  }
}
