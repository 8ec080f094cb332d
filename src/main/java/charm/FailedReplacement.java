package charm;

import charm.juju.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A replacement that failed and was rolled back, kept in unit state: the spec it tried, when, and
 * the status it ended with. update-status does not try the same spec again for {@link
 * #RETRY_AFTER}: each try stops the kept registry for as long as the new one takes to fail. Every
 * other hook tries at once (config-changed and hooks whose inputs changed plan another spec, or
 * want this one now); a replacement that succeeds, or a plan with another spec, clears it.
 */
record FailedReplacement(String specHash, Instant at, String status) {
  /** The unit state key. */
  static final String KEY = "failed-replacement";
  /** How long update-status leaves a failed spec alone. */
  static final Duration RETRY_AFTER = Duration.ofHours(1);

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  /** The mark in unit state, if there is a readable one. */
  @SuppressWarnings("unchecked")
  static Optional<FailedReplacement> from(Map<String, String> state) {
    String text = state.get(KEY);
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    try {
      Map<String, Object> m = (Map<String, Object>) Json.parse(text.getBytes(StandardCharsets.UTF_8));
      return Optional.of(new FailedReplacement((String) m.get("spec-hash"), Instant.ofEpochSecond(((Number) m.get("at")).longValue()),
          (String) m.get("status")));
    } catch (RuntimeException e) {
      return Optional.empty(); // not one this charm wrote: as if there were none
    }
  }

  String encode() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("spec-hash", specHash);
    m.put("at", at.getEpochSecond());
    m.put("status", status);
    return new String(Json.write(m), StandardCharsets.UTF_8);
  }

  /** Whether update-status leaves the spec with this hash alone now. */
  boolean holds(String hash, Instant now) {
    return specHash.equals(hash) && !now.isBefore(at) && now.isBefore(retryAt());
  }

  Instant retryAt() {
    return at.plus(RETRY_AFTER);
  }

  /** The status update-status reports while it holds: the failure, and when it tries again. */
  String heldStatus() {
    return status + "; update-status tries again at " + CLOCK.format(retryAt()) + ", config-changed at once";
  }
}
