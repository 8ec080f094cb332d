package charm.actions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.workload.DockerImages.ImageRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The images action's table and options, against what docker images prints. */
class ImageTableTest {
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  static final String ID = "sha256:0e03c82f35d7" + "a".repeat(52);
  static final String DIGEST = "sha256:" + "b".repeat(64);

  @Test
  void columnsAndLayoutMatchTheCli() {
    ImageRow row = new ImageRow(ID, List.of("registry:2"), List.of(), 0, 23_100_000);
    ImageRow mine = new ImageRow(ID, List.of("127.0.0.1:5000/it/tiny:1"), List.of(), NOW.minusSeconds(14 * 86400).getEpochSecond(), 34);
    assertEquals(String.join("\n",
        "REPOSITORY               TAG       IMAGE ID       CREATED        SIZE",
        "registry                 2         0e03c82f35d7   56 years ago   23.1MB",
        "127.0.0.1:5000/it/tiny   1         0e03c82f35d7   2 weeks ago    34B"),
        ImageTable.render(List.of(row, mine), false, false, false, NOW));
  }

  @Test
  void digestsAddAColumnAndDigestOnlyRepositoriesShowWithoutATag() {
    ImageRow row = new ImageRow(ID, List.of("it/a:1", "it/a:2"), List.of("it/a@" + DIGEST, "it/b@" + DIGEST), NOW.getEpochSecond(), 1500);
    List<ImageTable.Row> rows = ImageTable.rows(row, false, true, NOW);
    assertEquals(List.of(
        new ImageTable.Row("it/a", "1", DIGEST, "0e03c82f35d7", "Less than a second ago", "1.5kB"),
        new ImageTable.Row("it/a", "2", DIGEST, "0e03c82f35d7", "Less than a second ago", "1.5kB"),
        new ImageTable.Row("it/b", "<none>", DIGEST, "0e03c82f35d7", "Less than a second ago", "1.5kB")), rows);
    assertEquals(3, ImageTable.rows(row, false, false, NOW).size(), "one row per tag, and it/b once");
    assertTrue(ImageTable.render(List.of(row), false, false, true, NOW).startsWith("REPOSITORY   TAG       DIGEST "));
  }

  @Test
  void untaggedImagesAndQuietAndNoTrunc() {
    ImageRow dangling = new ImageRow(ID, List.of("<none>:<none>"), List.of("<none>@<none>"), NOW.getEpochSecond(), 0);
    assertEquals(List.of(new ImageTable.Row("<none>", "<none>", "<none>", ID, "Less than a second ago", "0B")),
        ImageTable.rows(dangling, true, false, NOW));
    ImageRow twoTags = new ImageRow(ID, List.of("a:1", "a:2"), List.of(), 0, 0);
    assertEquals("0e03c82f35d7\n0e03c82f35d7", ImageTable.render(List.of(twoTags), true, false, false, NOW));
  }

  @Test
  void optionsAreAnAllowListWithFilters() {
    ImagesOptions.Parsed ok = ImagesOptions.parse("-a --digests -f dangling=false --filter label=a=b --filter=reference=it/* -q --no-trunc");
    assertNull(ok.problem());
    assertEquals(Map.of("dangling", List.of("false"), "label", List.of("a=b"), "reference", List.of("it/*")), ok.options().filters());
    assertTrue(ok.options().all() && ok.options().digests() && ok.options().quiet() && ok.options().noTrunc());

    assertEquals("Unsupported images option \"--format\"; accepted: " + ImagesOptions.ACCEPTED, ImagesOptions.parse("--format {{.ID}}").problem());
    assertTrue(ImagesOptions.parse("-f until=1h").problem().startsWith("Unsupported images filter \"until\"; accepted: before, dangling, label, reference, since"));
    assertEquals("-f needs a KEY=VALUE after it", ImagesOptions.parse("-f").problem());
    assertEquals("Filter dangling takes true or false", ImagesOptions.parse("-f dangling=yes").problem());
    assertEquals("Filter label needs a value (label=...)", ImagesOptions.parse("--filter label").problem());
    assertTrue(ImagesOptions.parse("-f reference=$(id)").problem().startsWith("Filter reference: the value may hold"));
  }
}
