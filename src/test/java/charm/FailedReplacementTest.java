package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailedReplacementTest {
  static final Instant AT = Instant.parse("2026-12-07T10:15:30Z");
  static final FailedReplacement FAILED = new FailedReplacement("abc", AT, "Cannot start reg: port in use (previous container kept)");

  @Test
  void roundTripsThroughUnitState() {
    assertEquals(Optional.of(FAILED), FailedReplacement.from(Map.of(FailedReplacement.KEY, FAILED.encode())));
  }

  @Test
  void aMissingOrForeignValueIsNoMark() {
    assertEquals(Optional.empty(), FailedReplacement.from(Map.of()));
    assertEquals(Optional.empty(), FailedReplacement.from(Map.of(FailedReplacement.KEY, "not json")));
    assertEquals(Optional.empty(), FailedReplacement.from(Map.of(FailedReplacement.KEY, "{\"at\":\"x\"}")));
  }

  @Test
  void holdsTheSameSpecForAnHour() {
    assertTrue(FAILED.holds("abc", AT));
    assertTrue(FAILED.holds("abc", AT.plus(Duration.ofMinutes(59))));
    assertFalse(FAILED.holds("abc", AT.plus(Duration.ofHours(1))), "an hour later update-status tries again");
    assertFalse(FAILED.holds("def", AT.plusSeconds(1)), "another spec is tried at once");
    assertFalse(FAILED.holds("abc", AT.minusSeconds(1)), "a mark from the future (a clock set back) holds nothing");
  }

  @Test
  void theHeldStatusSaysWhenItIsTriedAgain() {
    assertEquals("Cannot start reg: port in use (previous container kept); update-status tries again at 11:15 UTC, config-changed at once",
        FAILED.heldStatus());
  }
}
