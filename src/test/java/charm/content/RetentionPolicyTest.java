package charm.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetentionPolicyTest {

  @Test
  void emptyTextIsNoPolicy() {
    assertTrue(RetentionPolicy.parse("").policy().isEmpty());
    assertTrue(RetentionPolicy.parse("  \n").policy().isEmpty());
    assertNull(RetentionPolicy.parse(" ").problem());
  }

  @Test
  void readsEveryKey() {
    RetentionPolicy.Parsed p = RetentionPolicy.parse("""
        - repository: "ci/*"
          keep-last: 10
          keep-tags: "latest|v.*"
          older-than: 30d
          untagged: true
        - {keep-last: 3, older-than: 12h}
        - {repository: "x", older-than: 2w}
        """);
    assertNull(p.problem());
    RetentionPolicy.Rule first = p.policy().rules().get(0);
    assertEquals("ci/*", first.repository());
    assertEquals(Optional.of(10), first.keepLast());
    assertTrue(first.keepTags().get().matcher("v1.2").matches());
    assertEquals(Optional.of(Duration.ofDays(30)), first.olderThan());
    assertEquals(Optional.of(true), first.untagged());
    RetentionPolicy.Rule second = p.policy().rules().get(1);
    assertEquals("*", second.repository(), "the default glob");
    assertEquals(Optional.of(Duration.ofHours(12)), second.olderThan());
    assertEquals(Optional.of(Duration.ofDays(14)), p.policy().rules().get(2).olderThan());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "*|library/ubuntu|true",
      "*|a|true",
      "ci/*|ci/app|true",
      "ci/*|ci/team/app|true",
      "ci/*|cix/app|false",
      "ci/?pp|ci/app|true",
      "app|app|true",
      "app|my-app|false",
      "a.b|axb|false"})
  void globsMatchTheWholeName(String glob, String name, boolean matches) {
    RetentionPolicy.Rule rule = RetentionPolicy.parse("- {repository: \"" + glob + "\", keep-last: 1}").policy().rules().get(0);
    assertEquals(matches, rule.matches(name));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "keep-last: 3|must be a YAML list",
      "- [1, 2]|rule 1 is not a mapping",
      "- {keep-last: -1}|keep-last must be a whole number",
      "- {keep-last: two}|keep-last must be a whole number",
      "- {older-than: 30}|older-than must be a number of hours, days or weeks",
      "- {older-than: 3mo}|older-than must be a number of hours, days or weeks",
      "- {keep-last: 1, keep-tags: '('}|keep-tags is not a regular expression",
      "- {keep-last: 1, untagged: yes please}|untagged must be true or false",
      "- {repository: ''}|repository must be a non-empty glob",
      "- {repository: app}|says nothing to do",
      "- {untagged: true, keep-tags: x}|keep-tags needs keep-last or older-than",
      "- {keep-last: 1, keep: 2}|unknown key \"keep\"",
      "- {keep-last: 1}\\n- 5|rule 2 is not a mapping",
      "- {keep-last: [1|is not YAML"})
  void refusesWhatIsNotAPolicyAndSaysWhy(String text, String reason) {
    RetentionPolicy.Parsed p = RetentionPolicy.parse(text.replace("\\n", "\n"));
    assertTrue(p.problem() != null && p.problem().contains(reason), p.problem());
    assertTrue(p.policy().isEmpty());
  }

  @Test
  void untaggedGoesWhenAMatchingRuleSaysSoAndNoneSaysOtherwise() {
    RetentionPolicy p = RetentionPolicy.parse("""
        - {repository: "*", untagged: true}
        - {repository: "keep/*", untagged: false}
        - {repository: "other/*", keep-last: 1}
        """).policy();
    assertTrue(p.removesUntagged("app"));
    assertTrue(p.removesUntagged("other/app"));
    assertFalse(p.removesUntagged("keep/app"));
    assertFalse(RetentionPolicy.parse("- {keep-last: 1}").policy().removesUntagged("app"));
  }
}
