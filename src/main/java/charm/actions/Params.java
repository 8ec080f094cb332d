package charm.actions;

import java.util.Map;
import java.util.Optional;

/** Reading action parameters as {@code action-get} gives them (JSON types, schema defaults filled in). */
final class Params {
  private Params() {}

  /** A string parameter, "" when absent. */
  static String text(Map<String, Object> params, String key) {
    Object value = params.get(key);
    return value == null ? "" : value.toString();
  }

  /** A boolean parameter, {@code otherwise} when absent. */
  static boolean flag(Map<String, Object> params, String key, boolean otherwise) {
    Object value = params.get(key);
    return value instanceof Boolean b ? b : otherwise;
  }

  /** An integer parameter in [min, max], {@code otherwise} when absent; empty when out of range. */
  static Optional<Integer> integer(Map<String, Object> params, String key, int otherwise, int min, int max) {
    Object value = params.get(key);
    if (value == null) {
      return Optional.of(otherwise);
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < min || n.doubleValue() > max) {
      return Optional.empty();
    }
    return Optional.of(n.intValue());
  }

  /** Whitespace-separated words. */
  static String[] words(String text) {
    String trimmed = text.strip();
    return trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
  }
}
