package charm.actions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The images action's {@code options}: a few read-only {@code docker images} flags and {@code
 * -f/--filter KEY=VALUE} with the filters the Docker API knows. Nothing else is accepted, and
 * nothing reaches a command line: the listing goes through the API.
 */
record ImagesOptions(boolean all, boolean quiet, boolean noTrunc, boolean digests, Map<String, List<String>> filters) {
  static final String ACCEPTED = "-a, --all, --digests, -f KEY=VALUE, --filter KEY=VALUE, --no-trunc, -q, --quiet";
  static final Set<String> FILTERS = Set.of("before", "dangling", "label", "reference", "since");
  /** What a filter value may hold: reference patterns ({@code it/*}, {@code name:1.*}), labels, ids. */
  private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9._:/@*?+=\\-\\[\\]]{1,512}");

  /** The parsed options, or the reason they are refused. */
  record Parsed(ImagesOptions options, String problem) {}

  static Parsed parse(String text) {
    boolean all = false;
    boolean quiet = false;
    boolean noTrunc = false;
    boolean digests = false;
    Map<String, List<String>> filters = new LinkedHashMap<>();
    String[] words = Params.words(text);
    for (int i = 0; i < words.length; i++) {
      String word = words[i];
      String filter = null;
      switch (word) {
        case "-a", "--all" -> all = true;
        case "-q", "--quiet" -> quiet = true;
        case "--no-trunc" -> noTrunc = true;
        case "--digests" -> digests = true;
        case "-f", "--filter" -> {
          if (i + 1 == words.length) {
            return refused(word + " needs a KEY=VALUE after it");
          }
          filter = words[++i];
        }
        default -> {
          if (!word.startsWith("--filter=")) {
            return refused("Unsupported images option \"" + word + "\"; accepted: " + ACCEPTED);
          }
          filter = word.substring("--filter=".length());
        }
      }
      if (filter != null) {
        String problem = addFilter(filters, filter);
        if (problem != null) {
          return refused(problem);
        }
      }
    }
    return new Parsed(new ImagesOptions(all, quiet, noTrunc, digests, filters), null);
  }

  private static String addFilter(Map<String, List<String>> filters, String filter) {
    int eq = filter.indexOf('=');
    String key = eq < 0 ? filter : filter.substring(0, eq);
    if (!FILTERS.contains(key)) {
      return "Unsupported images filter \"" + key + "\"; accepted: " + String.join(", ", new java.util.TreeSet<>(FILTERS)) + " (as KEY=VALUE)";
    }
    String value = eq < 0 ? "" : filter.substring(eq + 1);
    if (value.isEmpty()) {
      return "Filter " + key + " needs a value (" + key + "=...)";
    }
    if (!VALUE.matcher(value).matches()) {
      return "Filter " + key + ": the value may hold letters, digits and . _ : / @ * ? + = - [ ] only";
    }
    if (key.equals("dangling") && !value.equals("true") && !value.equals("false")) {
      return "Filter dangling takes true or false";
    }
    filters.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    return null;
  }

  private static Parsed refused(String problem) {
    return new Parsed(null, problem);
  }
}
