package charm.content;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The {@code retention-policy} option: a YAML list of rules saying which tags may go. Pure.
 *
 * <pre>
 * - repository: "ci/*"      # glob over the whole name: * any characters (also /), ? one; default *
 *   keep-last: 10           # the 10 newest tags (by the image's created time) stay
 *   keep-tags: "latest|v.*" # tags matching this regex (whole tag) stay, besides the newest
 *   older-than: 30d         # only tags older than this may go (d, h or w)
 *   untagged: true          # also remove manifests that no tag reaches
 * </pre>
 *
 * A tag goes only when every rule that matches its repository and says something about tags
 * (keep-last or older-than) lets it go; repositories no rule matches are left alone.
 */
public record RetentionPolicy(List<Rule> rules) {
  public static final RetentionPolicy NONE = new RetentionPolicy(List.of());
  private static final Set<String> KEYS = Set.of("repository", "keep-last", "keep-tags", "older-than", "untagged");
  private static final Pattern AGE = Pattern.compile("(\\d{1,6})([hdw])");

  public RetentionPolicy {
    rules = List.copyOf(rules);
  }

  /**
   * One rule.
   *
   * @param keepLast the newest tags to keep; empty when the rule does not say
   * @param keepTags tags that always stay; empty when the rule does not say
   * @param olderThan only tags older than this may go; empty when the rule does not say
   * @param untagged empty when the rule does not say
   */
  public record Rule(String repository, Optional<Integer> keepLast, Optional<Pattern> keepTags, Optional<Duration> olderThan,
      Optional<Boolean> untagged) {

    /** Whether the rule applies to a repository. */
    public boolean matches(String name) {
      return glob(repository).matcher(name).matches();
    }

    /** Whether it says anything about tags (keep-last or older-than). */
    public boolean judgesTags() {
      return keepLast.isPresent() || olderThan.isPresent();
    }
  }

  /** Whether no rule is set (the option is empty). */
  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /** The rules that apply to a repository. */
  public List<Rule> rulesFor(String repository) {
    return rules.stream().filter(r -> r.matches(repository)).toList();
  }

  /** Whether untagged manifests go in a repository: a matching rule says so and none says otherwise. */
  public boolean removesUntagged(String repository) {
    List<Rule> matching = rulesFor(repository);
    return matching.stream().anyMatch(r -> r.untagged().orElse(false)) && matching.stream().noneMatch(r -> r.untagged().equals(Optional.of(false)));
  }

  /** A policy, or why the text is not one. */
  public record Parsed(RetentionPolicy policy, String problem) {}

  /** Reads the option's text; "" (or only blanks) is the empty policy. */
  public static Parsed parse(String text) {
    if (text == null || text.isBlank()) {
      return new Parsed(NONE, null);
    }
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (YAMLException e) {
      return problem("is not YAML (" + firstLine(e.getMessage()) + ")");
    }
    if (!(doc instanceof List<?> list) || list.isEmpty()) {
      return problem("must be a YAML list of rules, e.g. [{repository: \"*\", keep-last: 10}]");
    }
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String where = "rule " + (i + 1);
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        return problem(where + " is not a mapping of keys to values");
      }
      for (Object key : m.keySet()) {
        if (!KEYS.contains(String.valueOf(key))) {
          return problem(where + " has an unknown key \"" + key + "\" (keys: repository, keep-last, keep-tags, older-than, untagged)");
        }
      }
      Object repository = m.containsKey("repository") ? m.get("repository") : "*";
      if (!(repository instanceof String glob) || glob.isBlank()) {
        return problem(where + ": repository must be a non-empty glob such as \"*\" or \"team/*\"");
      }
      Optional<Integer> keepLast = Optional.empty();
      if (m.containsKey("keep-last")) {
        if (!(m.get("keep-last") instanceof Integer n) || n < 0) {
          return problem(where + ": keep-last must be a whole number, 0 or more");
        }
        keepLast = Optional.of(n);
      }
      Optional<Pattern> keepTags = Optional.empty();
      if (m.containsKey("keep-tags")) {
        if (!(m.get("keep-tags") instanceof String regex) || regex.isEmpty()) {
          return problem(where + ": keep-tags must be a regular expression (a string)");
        }
        try {
          keepTags = Optional.of(Pattern.compile(regex));
        } catch (PatternSyntaxException e) {
          return problem(where + ": keep-tags is not a regular expression (" + e.getDescription() + ")");
        }
      }
      Optional<Duration> olderThan = Optional.empty();
      if (m.containsKey("older-than")) {
        Matcher age = AGE.matcher(String.valueOf(m.get("older-than")).strip());
        if (!age.matches()) {
          return problem(where + ": older-than must be a number of hours, days or weeks such as 12h, 30d or 2w");
        }
        long n = Long.parseLong(age.group(1));
        olderThan = Optional.of(switch (age.group(2)) {
          case "h" -> Duration.ofHours(n);
          case "d" -> Duration.ofDays(n);
          default -> Duration.ofDays(7 * n);
        });
      }
      Optional<Boolean> untagged = Optional.empty();
      if (m.containsKey("untagged")) {
        if (!(m.get("untagged") instanceof Boolean b)) {
          return problem(where + ": untagged must be true or false");
        }
        untagged = Optional.of(b);
      }
      if (keepLast.isEmpty() && olderThan.isEmpty() && untagged.isEmpty()) {
        return problem(where + " says nothing to do: give keep-last, older-than or untagged");
      }
      if (keepLast.isEmpty() && olderThan.isEmpty() && keepTags.isPresent()) {
        return problem(where + ": keep-tags needs keep-last or older-than (on its own it removes every other tag)");
      }
      rules.add(new Rule(glob.strip(), keepLast, keepTags, olderThan, untagged));
    }
    return new Parsed(new RetentionPolicy(rules), null);
  }

  private static Parsed problem(String reason) {
    return new Parsed(NONE, reason);
  }

  private static String firstLine(String text) {
    String line = text == null ? "" : text.strip().lines().findFirst().orElse("");
    return line.length() > 120 ? line.substring(0, 120) + "…" : line;
  }

  /** A repository glob as a regex over the whole name: {@code *} any characters, {@code ?} one. */
  static Pattern glob(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
