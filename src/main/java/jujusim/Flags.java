package jujusim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** juju/gnuflag-style parsing (spec §0.2): long and short options, interspersed, {@code --}. */
final class Flags {
  private record Def(String key, boolean bool) {}

  private final Map<String, Def> longs = new HashMap<>();
  private final Map<Character, Def> shorts = new HashMap<>();
  private final Map<String, String> values = new HashMap<>();
  private final Map<String, String> typed = new HashMap<>();
  final List<String> positionals = new ArrayList<>();
  boolean help;

  /** Declares a string option; {@code names} like "r", "relation". The first long name is its key. */
  Flags str(String... names) {
    return def(false, names);
  }

  Flags bool(String... names) {
    return def(true, names);
  }

  private Flags def(boolean bool, String... names) {
    String key = null;
    for (String n : names) {
      if (n.length() > 1) {
        key = n;
        break;
      }
    }
    Def d = new Def(key == null ? names[0] : key, bool);
    for (String n : names) {
      if (n.length() == 1) {
        shorts.put(n.charAt(0), d);
      } else {
        longs.put(n, d);
      }
    }
    return this;
  }

  /** Parses; throws a usage error (exit 2) on a bad flag. */
  Flags parse(List<String> args) throws Tools.UsageException {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        positionals.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (a.startsWith("--")) {
        String name = a.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (name.equals("help")) {
          help = true;
          continue;
        }
        Def d = longs.get(name);
        if (d == null) {
          throw new Tools.UsageException("option provided but not defined: --" + name);
        }
        if (d.bool) {
          set(d, "--" + name, value == null ? "true" : parseBool("--" + name, value));
        } else {
          if (value == null) {
            if (i + 1 >= args.size()) {
              throw new Tools.UsageException("option needs an argument: --" + name);
            }
            value = args.get(++i);
          }
          set(d, "--" + name, value);
        }
      } else if (a.startsWith("-") && a.length() > 1) {
        for (int j = 1; j < a.length(); j++) {
          char c = a.charAt(j);
          if (c == 'h') {
            help = true;
            continue;
          }
          Def d = shorts.get(c);
          if (d == null) {
            throw new Tools.UsageException("option provided but not defined: -" + c);
          }
          if (d.bool) {
            set(d, "-" + c, "true");
            continue;
          }
          String value = a.substring(j + 1);
          if (value.isEmpty()) {
            if (i + 1 >= args.size()) {
              throw new Tools.UsageException("option needs an argument: -" + c);
            }
            value = args.get(++i);
          }
          set(d, "-" + c, value);
          break;
        }
      } else {
        positionals.add(a);
      }
    }
    return this;
  }

  private void set(Def d, String asTyped, String value) {
    values.put(d.key, value);
    typed.put(d.key, asTyped);
  }

  private static String parseBool(String flag, String v) throws Tools.UsageException {
    switch (v) {
      case "1", "t", "T", "true", "TRUE", "True":
        return "true";
      case "0", "f", "F", "false", "FALSE", "False":
        return "false";
      default:
        throw new Tools.UsageException(
            "invalid value " + Fmt.goQuote(v) + " for option " + flag
                + ": strconv.ParseBool: parsing " + Fmt.goQuote(v) + ": invalid syntax");
    }
  }

  String get(String key) {
    return values.get(key);
  }

  String get(String key, String def) {
    return values.getOrDefault(key, def);
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  boolean isTrue(String key) {
    return "true".equals(values.get(key));
  }

  /** The option as the user typed it ({@code -r} or {@code --relation}). */
  String typed(String key) {
    return typed.getOrDefault(key, "--" + key);
  }
}
