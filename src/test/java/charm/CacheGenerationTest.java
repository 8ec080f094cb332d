package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import charm.registry.Owner;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The cache generation in the peer relation: who writes which bag, what every unit reads. */
class CacheGenerationTest {
  static final String KEY = CacheGeneration.KEY;

  final RecordingHookTools tools = new RecordingHookTools();
  final CacheGeneration generation = new CacheGeneration(tools, new Owner("m", "docker-registry", "docker-registry/0"));

  private void peers(Map<String, String> app, Map<String, Map<String, String>> units) {
    tools.peerApp = new HashMap<>(app);
    units.forEach((u, bag) -> tools.peerUnits.put(u, new HashMap<>(bag)));
  }

  @Test
  void withoutAPeerRelationThereIsNoneAndNothingToPublish() {
    assertEquals(0, generation.highest());
    assertEquals(OptionalLong.empty(), generation.publishNext());
    assertFalse(tools.calls.contains("relation-set"));
  }

  @Test
  void theHighestOfTheApplicationBagAndEveryUnitBagOwnIncluded() {
    peers(Map.of(KEY, "3"), Map.of("docker-registry/0", Map.of(), "docker-registry/1", Map.of(KEY, "2")));
    assertEquals(3, generation.highest());
    tools.peerUnits.get("docker-registry/1").put(KEY, "5");
    assertEquals(5, generation.highest(), "a peer's");
    tools.peerUnits.get("docker-registry/0").put(KEY, "9");
    assertEquals(9, generation.highest(), "this unit's own (Juju runs no -changed on the writer)");
    assertFalse(tools.calls.contains("relation-set"), "a follower only reads");
  }

  @Test
  void theLeaderPublishesInTheApplicationBag() {
    tools.leader = true;
    peers(Map.of(), Map.of("docker-registry/1", Map.of()));
    assertEquals(OptionalLong.of(1), generation.publishNext());
    assertEquals("1", tools.peerApp.get(KEY));
    assertNull(tools.peerUnits.getOrDefault("docker-registry/0", Map.of()).get(KEY));
    assertEquals(OptionalLong.of(2), generation.publishNext());
    assertEquals(2, generation.highest());
  }

  @Test
  void aFollowerPublishesInItsOwnUnitBagAfterTheHighest() {
    peers(Map.of(KEY, "3", "http-secret", "s"), Map.of("docker-registry/1", Map.of(KEY, "5")));
    assertEquals(OptionalLong.of(6), generation.publishNext());
    assertEquals("6", tools.peerUnits.get("docker-registry/0").get(KEY));
    assertEquals("3", tools.peerApp.get(KEY), "a follower cannot write the application bag");
    assertEquals(6, generation.highest());
  }

  @Test
  void theLeaderKeepsAUnitsHigherGenerationInTheApplicationBag() {
    tools.leader = true;
    peers(Map.of(KEY, "3"), Map.of("docker-registry/1", Map.of(KEY, "4")));
    assertEquals(4, generation.highest());
    assertEquals("4", tools.peerApp.get(KEY));
    tools.peerUnits.remove("docker-registry/1"); // it leaves the application
    tools.calls.clear();
    assertEquals(4, generation.highest(), "the generation stays");
    assertFalse(tools.calls.contains("relation-set"), "nothing to write once the application bag has the highest");
  }

  @Test
  void anythingButAPositiveDecimalCountsAsNone() {
    for (String value : List.of("", "x", "-3", "+3", "1.5", " 2", "99999999999999999999")) {
      assertEquals(0, CacheGeneration.parse(value), value);
    }
    assertEquals(0, CacheGeneration.parse(null));
    assertEquals(12, CacheGeneration.parse("12"));
    peers(Map.of(KEY, "garbage"), Map.of("docker-registry/1", Map.of(KEY, "2")));
    assertEquals(2, generation.highest());
  }
}
