package charm.registry;

import java.util.Locale;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Test helper: a YAML reader at least as eager as the registry's (gopkg.in/yaml.v2) to read a
 * plain scalar as something other than a string. It is SnakeYAML's YAML 1.1 resolver (sexagesimal
 * {@code 12:30}, {@code 0b}, leading-0 octal, {@code on}/{@code off}, timestamps, {@code ~} ...)
 * with go-yaml v2's extra implicit types in front:
 *
 * <ul>
 *   <li>{@code y Y n N} are booleans;
 *   <li>a plain scalar that starts with a digit, a sign or a dot and holds only number characters
 *       reads as a {@link GoNumber}. go-yaml v2 drops every {@code _} and then tries Go's
 *       ParseInt/ParseUint with base prefixes ({@code 0x 0X 0o 0O 0b 0B}, leading-0 octal) and a
 *       float pattern that needs no dot ({@code 1e3}); this rule is deliberately broader.
 * </ul>
 */
final class GoYamlV2 {
  private static final Tag NUMBER = new Tag("tag:docker-registry-charm.test,2025:go-yaml-v2-number");
  private static final Pattern GO_BOOL = Pattern.compile("^(?:y|Y|n|N)$");
  private static final Pattern NUMBER_LIKE = Pattern.compile("^[-+.0-9][-+._0-9A-Za-z]*$");

  /** A plain scalar that go-yaml v2 may read as a number. */
  record GoNumber(String text) {}

  private GoYamlV2() {}

  static Object load(String text) {
    LoaderOptions loading = new LoaderOptions();
    DumperOptions dumping = new DumperOptions();
    return new Yaml(new Eager(loading), new Representer(dumping), dumping, loading,
        new EagerResolver()).load(text);
  }

  private static final class EagerResolver extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      // Resolvers are tried in the order added: these come before SnakeYAML's.
      addImplicitResolver(Tag.BOOL, GO_BOOL, "yYnN");
      addImplicitResolver(NUMBER, NUMBER_LIKE, "-+.0123456789");
      super.addImplicitResolvers();
    }
  }

  private static final class Eager extends SafeConstructor {
    Eager(LoaderOptions options) {
      super(options);
      yamlConstructors.put(NUMBER, new AbstractConstruct() {
        @Override
        public Object construct(Node node) {
          return new GoNumber(((ScalarNode) node).getValue());
        }
      });
      // SnakeYAML's own boolean construct does not know y and n.
      yamlConstructors.put(Tag.BOOL, new AbstractConstruct() {
        @Override
        public Object construct(Node node) {
          String v = ((ScalarNode) node).getValue().toLowerCase(Locale.ROOT);
          return v.equals("y") || v.equals("yes") || v.equals("true") || v.equals("on");
        }
      });
    }
  }
}
