package charm.content;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetentionTest {
  static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  static Retention.Tag tag(String name, String digest, int daysAgo) {
    return new Retention.Tag(name, digest, Optional.of(NOW.minus(Duration.ofDays(daysAgo))));
  }

  static List<RetentionPolicy.Rule> rules(String yaml) {
    RetentionPolicy.Parsed p = RetentionPolicy.parse(yaml);
    assertEquals(null, p.problem());
    return p.policy().rules();
  }

  @Test
  void keepLastKeepsTheNewestByCreatedTime() {
    List<Retention.Tag> tags = List.of(tag("a", "d1", 5), tag("b", "d2", 1), tag("c", "d3", 3), tag("d", "d4", 9));
    Retention.Decision d = Retention.decide(tags, rules("- {keep-last: 2}"), NOW);
    assertEquals(Map.of("a", "d1", "d", "d4"), d.removed());
    assertEquals(Set.of("d1", "d4"), d.digests());
  }

  @Test
  void tiesGoToTheGreaterTagName() {
    List<Retention.Tag> tags = List.of(tag("v1", "d1", 2), tag("v2", "d2", 2), tag("v3", "d3", 2));
    assertEquals(Set.of("v1"), Retention.decide(tags, rules("- {keep-last: 2}"), NOW).removed().keySet());
  }

  @Test
  void olderThanAndKeepTagsNarrowWhatGoes() {
    List<Retention.Tag> tags = List.of(tag("new", "d1", 1), tag("old", "d2", 40), tag("release-1", "d3", 50), tag("mid", "d4", 20));
    Retention.Decision d = Retention.decide(tags, rules("- {older-than: 30d, keep-tags: \"release-.*\"}"), NOW);
    assertEquals(Set.of("old"), d.removed().keySet());
  }

  @Test
  void aTagGoesOnlyWhenEveryMatchingRuleLetsItGo() {
    List<Retention.Tag> tags = List.of(tag("a", "d1", 1), tag("b", "d2", 10), tag("c", "d3", 40));
    List<RetentionPolicy.Rule> both = rules("""
        - {repository: "*", keep-last: 1}
        - {repository: "*", older-than: 30d}
        - {repository: "*", untagged: true}
        """);
    assertEquals(Set.of("c"), Retention.decide(tags, both, NOW).removed().keySet(), "b is not old enough for the second rule");
  }

  @Test
  void noRuleAboutTagsRemovesNoTag() {
    List<Retention.Tag> tags = List.of(tag("a", "d1", 100));
    assertEquals(Map.of(), Retention.decide(tags, rules("- {untagged: true}"), NOW).removed());
    assertEquals(Map.of(), Retention.decide(tags, List.of(), NOW).removed());
  }

  @Test
  void aTagWithoutADateStaysAndIsReported() {
    List<Retention.Tag> tags = List.of(tag("a", "d1", 100), new Retention.Tag("x", "d2", Optional.empty()));
    Retention.Decision d = Retention.decide(tags, rules("- {keep-last: 0}"), NOW);
    assertEquals(Set.of("a"), d.removed().keySet());
    assertEquals(List.of("x"), d.unageable());
  }

  @Test
  void aTagSharingItsManifestWithAKeptTagStays() {
    List<Retention.Tag> tags = List.of(tag("latest", "d1", 1), tag("v1", "d1", 50), tag("v0", "d0", 60));
    Retention.Decision d = Retention.decide(tags, rules("- {keep-tags: latest, older-than: 30d}"), NOW);
    assertEquals(Set.of("v0"), d.removed().keySet());
    assertEquals(List.of("v1"), d.shared());
    assertEquals(Set.of("d0"), d.digests());
  }

  @Test
  void twoGoingTagsOfOneManifestGoTogether() {
    List<Retention.Tag> tags = List.of(tag("a", "d1", 50), tag("b", "d1", 50), tag("c", "d2", 1));
    Retention.Decision d = Retention.decide(tags, rules("- {keep-last: 1}"), NOW);
    assertEquals(Map.of("a", "d1", "b", "d1"), d.removed());
    assertEquals(Set.of("d1"), d.digests());
  }
}
