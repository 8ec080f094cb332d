package charm.actions;

import charm.workload.DockerImages.ImageRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code docker images} table: the same columns (REPOSITORY, TAG, [DIGEST,] IMAGE ID,
 * CREATED, SIZE), the same rows (one per repository and tag, and with {@code --digests} one per
 * digest; a repository known only by its digest gets tag {@code <none>}), ages such as {@code 2
 * weeks ago}, sizes such as {@code 12.3MB}, and the CLI's column layout (at least 10 wide, 3
 * spaces between columns).
 */
final class ImageTable {
  static final String NONE = "<none>";
  private static final int MIN_WIDTH = 10;
  private static final int PADDING = 3;

  private ImageTable() {}

  /** One line of the listing. */
  record Row(String repository, String tag, String digest, String id, String created, String size) {}

  static String render(List<ImageRow> images, boolean quiet, boolean noTrunc, boolean digests, Instant now) {
    List<String[]> table = new ArrayList<>();
    if (!quiet) {
      table.add(digests
          ? new String[] {"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"}
          : new String[] {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
    }
    for (ImageRow image : images) {
      for (Row r : rows(image, noTrunc, digests, now)) {
        if (quiet) {
          table.add(new String[] {r.id()});
        } else if (digests) {
          table.add(new String[] {r.repository(), r.tag(), r.digest(), r.id(), r.created(), r.size()});
        } else {
          table.add(new String[] {r.repository(), r.tag(), r.id(), r.created(), r.size()});
        }
      }
    }
    return align(table);
  }

  static List<Row> rows(ImageRow image, boolean noTrunc, boolean withDigests, Instant now) {
    String bare = image.id().replaceFirst("^sha256:", "");
    String id = noTrunc ? image.id() : bare.substring(0, Math.min(12, bare.length()));
    String created = Human.duration(Duration.between(Instant.ofEpochSecond(image.created()), now)) + " ago";
    String size = Human.size(image.size());
    Map<String, List<String>> tags = new LinkedHashMap<>();
    for (String repoTag : image.repoTags()) {
      int colon = repoTag.lastIndexOf(':');
      if (!repoTag.equals("<none>:<none>") && colon > repoTag.lastIndexOf('/')) {
        tags.computeIfAbsent(repoTag.substring(0, colon), k -> new ArrayList<>()).add(repoTag.substring(colon + 1));
      }
    }
    Map<String, List<String>> digests = new LinkedHashMap<>();
    for (String repoDigest : image.repoDigests()) {
      int at = repoDigest.indexOf('@');
      if (!repoDigest.equals("<none>@<none>") && at > 0) {
        digests.computeIfAbsent(repoDigest.substring(0, at), k -> new ArrayList<>()).add(repoDigest.substring(at + 1));
      }
    }
    List<Row> rows = new ArrayList<>();
    tags.forEach((repository, repoTags) -> {
      List<String> known = digests.remove(repository);
      for (String tag : repoTags) {
        if (!withDigests || known == null) {
          rows.add(new Row(repository, tag, NONE, id, created, size));
        } else {
          known.forEach(d -> rows.add(new Row(repository, tag, d, id, created, size)));
        }
      }
    });
    digests.forEach((repository, known) -> {
      if (withDigests) {
        known.forEach(d -> rows.add(new Row(repository, NONE, d, id, created, size)));
      } else {
        rows.add(new Row(repository, NONE, NONE, id, created, size));
      }
    });
    if (rows.isEmpty()) {
      rows.add(new Row(NONE, NONE, NONE, id, created, size));
    }
    return rows;
  }

  /** Columns as the CLI's tabwriter lays them out: each at least 10 wide, 3 spaces of padding. */
  static String align(List<String[]> table) {
    if (table.isEmpty()) {
      return "";
    }
    int[] widths = new int[table.get(0).length];
    for (String[] row : table) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], Math.max(MIN_WIDTH, row[i].length() + PADDING));
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : table) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(widths[i] - row[i].length()));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString().stripTrailing();
  }
}
