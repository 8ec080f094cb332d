package charm.actions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LargeResultsTest {
  @TempDir Path root;

  Path dir() {
    return LargeResults.directory(root, "docker-registry/0");
  }

  LargeResults large() {
    return new LargeResults(dir(), Clock.systemUTC());
  }

  static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** An images listing with thousands of tags: far over what one action-set argument holds. */
  static String imagesTable(int rows) {
    return "REPOSITORY                     TAG       IMAGE ID       CREATED        SIZE\n"
        + IntStream.range(0, rows).mapToObj(i -> "10.0.0.7:5000/hjuju/thing      tag-" + i + "   0123456789ab   2 hours ago    1.2MB")
            .collect(Collectors.joining("\n"));
  }

  @Test
  void resultsThatFitAreLeftAlone() {
    Map<String, String> results = Map.of("output", "x".repeat(LargeResults.MAX_VALUE_BYTES), "tags", "3");
    assertSame(results, large().fit("images", results));
    assertFalse(Files.exists(dir()));
  }

  @Test
  void aListingOver100KiBGoesToAFileAndTheResultsKeepItsFirstLinesAndCounts() throws Exception {
    String table = imagesTable(5000);
    Map<String, String> results = new LinkedHashMap<>(Map.of("output", table, "tags", "5000"));
    Map<String, String> out = large().fit("images", results);

    Path file = Path.of(out.get("output-file"));
    assertEquals(dir(), file.getParent());
    assertTrue(file.getFileName().toString().startsWith("images-"), file.toString());
    assertEquals(table + "\n", Files.readString(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir())));
    assertEquals("5001", out.get("output-lines"));
    assertEquals("5000", out.get("tags"));
    List<String> shown = out.get("output").lines().toList();
    assertEquals(table.lines().limit(LargeResults.HEAD_LINES).toList(), shown.subList(0, LargeResults.HEAD_LINES));
    assertEquals("… " + (5001 - LargeResults.HEAD_LINES) + " more lines: the full listing (5001 lines) is in " + file, shown.get(shown.size() - 1));
    out.values().forEach(v -> assertTrue(bytes(v) < LargeResults.MAX_VALUE_BYTES));
    try (var s = Files.list(dir())) {
      assertEquals(List.of(file), s.toList(), "no temporary file left");
    }
  }

  @Test
  void valuesThatFitOneByOneButNotTogetherSpillTheBiggestFirst() {
    Map<String, String> results = new LinkedHashMap<>();
    for (int i = 0; i < 14; i++) {
      results.put("part" + i, ("line " + i + "\n").repeat(9000 + i * 100)); // 63 to 82 kB each, 986 kB in all
    }
    results.put("more", "y\n".repeat(45_000));
    results.put("most", "z\n".repeat(50_000));
    Map<String, String> out = large().fit("usage", results);
    int total = out.entrySet().stream().mapToInt(e -> bytes(e.getKey()) + bytes(e.getValue()) + 2).sum();
    assertTrue(total <= LargeResults.MAX_TOTAL_BYTES, "all arguments together: " + total);
    assertTrue(out.containsKey("most-file"), "the biggest first");
    assertFalse(out.containsKey("part0-file"), "the smallest stays");
  }

  @Test
  void onlyTheNewestListingsStayAndNoneOlderThanAWeek() throws Exception {
    Files.createDirectories(dir());
    Instant now = Instant.now();
    for (int i = 0; i < 15; i++) {
      Path old = Files.writeString(dir().resolve("catalog-old-" + i + ".txt"), "x");
      Files.setLastModifiedTime(old, FileTime.from(now.minus(Duration.ofMinutes(i + 1))));
    }
    Path ancient = Files.writeString(dir().resolve("catalog-ancient.txt"), "x");
    Files.setLastModifiedTime(ancient, FileTime.from(now.minus(Duration.ofDays(8))));
    Map<String, String> out = new LargeResults(dir(), Clock.fixed(now, ZoneOffset.UTC)).fit("catalog", Map.of("output", imagesTable(3000)));
    try (var s = Files.list(dir())) {
      List<String> left = s.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(LargeResults.KEEP, left.size(), left.toString());
      assertTrue(left.contains(Path.of(out.get("output-file")).getFileName().toString()));
      assertFalse(left.contains("catalog-ancient.txt"));
      assertTrue(left.contains("catalog-old-0.txt"));
      assertFalse(left.contains("catalog-old-14.txt"));
    }
  }

  @Test
  void whenTheListingCannotBeSavedTheFirstLinesAndCountsStillGoOut() throws Exception {
    Files.createDirectories(dir().getParent());
    Files.writeString(dir(), "not a directory");
    Map<String, String> out = large().fit("catalog", Map.of("output", imagesTable(3000)));
    assertFalse(out.containsKey("output-file"));
    assertEquals("3001", out.get("output-lines"));
    assertTrue(out.get("output").contains("the full listing could not be saved"), out.get("output"));
    assertTrue(bytes(out.get("output")) < LargeResults.MAX_VALUE_BYTES);
  }
}
