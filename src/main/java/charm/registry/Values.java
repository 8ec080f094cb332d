package charm.registry;

import charm.registry.Options.Option;
import charm.registry.Options.Type;
import charm.registry.RegistryConfig.Problem;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed, forgiving reads over the raw {@code config-get --format=json} map.
 *
 * <p>Absent or null keys take the config.yaml default (strings without a default read as "").
 * A value of the wrong type (impossible through Juju, but cheap to survive) is recorded as a
 * problem and replaced by the default. Reasons never quote the value: it may be a secret.
 */
final class Values {
  private final Map<String, Object> raw;
  private final List<Problem> problems = new ArrayList<>();

  Values(Map<String, Object> raw) {
    // A private copy (HashMap: Juju may send nulls), so later changes to the caller's map
    // cannot change a config that was already validated.
    this.raw = raw == null ? Map.of() : Collections.unmodifiableMap(new HashMap<>(raw));
  }

  List<Problem> problems() {
    return problems;
  }

  /** The string value, "" when unset. */
  String str(String name) {
    Object v = read(name, Type.STRING);
    return v == null ? "" : (String) v;
  }

  long num(String name) {
    return (Long) read(name, Type.INT);
  }

  boolean bool(String name) {
    return (Boolean) read(name, Type.BOOLEAN);
  }

  private Object read(String name, Type type) {
    Option option = Options.BY_NAME.get(name);
    if (option == null || option.type() != type) {
      throw new IllegalArgumentException("not a " + type + " option: " + name); // programming error
    }
    Object value = raw.get(name);
    if (value == null) {
      return option.defaultValue();
    }
    Object typed = convert(value, type);
    if (typed == null) {
      problems.add(new Problem(name, "must be " + describe(type)));
      return option.defaultValue();
    }
    return typed;
  }

  private static Object convert(Object value, Type type) {
    switch (type) {
      case STRING:
        return value instanceof String ? value : null;
      case BOOLEAN:
        return value instanceof Boolean ? value : null;
      default:
        if (value instanceof Integer || value instanceof Long || value instanceof Short
            || value instanceof Byte) {
          return ((Number) value).longValue();
        }
        if (value instanceof BigInteger big && big.bitLength() < 64) {
          return big.longValue();
        }
        return null;
    }
  }

  private static String describe(Type type) {
    switch (type) {
      case STRING:
        return "a string";
      case BOOLEAN:
        return "a boolean";
      default:
        return "an integer";
    }
  }
}
