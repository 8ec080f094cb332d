package charm.actions;

import charm.Reconciler;
import charm.juju.HookTools;
import charm.juju.Status;
import charm.registry.ImageRef;
import charm.registry.RegistryConfig;
import charm.workload.DockerImages;
import charm.workload.EngineUnavailable;
import com.github.dockerjava.api.model.AuthConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The images, rmi and push actions, on the unit's Docker engine. Unlike the previous charm they
 * never hand the operator's {@code options} to a command line: each option is checked against a
 * short list of safe flags.
 */
public final class ImageActions {
  static final Set<String> IMAGES_OPTIONS = Set.of("-a", "--all", "--digests", "--no-trunc", "-q", "--quiet");
  static final Set<String> RMI_OPTIONS = Set.of("-f", "--force", "--no-prune");

  private final HookTools tools;
  private final Supplier<DockerImages> docker;
  private final Reconciler reconciler;

  public ImageActions(HookTools tools, Supplier<DockerImages> docker, Reconciler reconciler) {
    this.tools = tools;
    this.docker = docker;
    this.reconciler = reconciler;
  }

  /** images: the local listing, like {@code docker images}. */
  public ActionResult images(Map<String, Object> params) {
    Optional<ActionResult> refused = notReady().or(() -> unsupported("images", text(params, "options"), IMAGES_OPTIONS));
    if (refused.isPresent()) {
      return refused.get();
    }
    Set<String> options = Set.of(words(text(params, "options")));
    boolean quiet = options.contains("-q") || options.contains("--quiet");
    boolean noTrunc = options.contains("--no-trunc");
    boolean digests = options.contains("--digests");
    List<DockerImages.ImageRow> rows;
    try (DockerImages images = docker.get()) {
      rows = images.list(options.contains("-a") || options.contains("--all"), text(params, "repository"));
    }
    return ActionResult.ok(Map.of("output", ImageTable.render(rows, quiet, noTrunc, digests)));
  }

  /** rmi: remove the listed images; fails naming those that could not be removed. */
  public ActionResult rmi(Map<String, Object> params) {
    Optional<ActionResult> refused = notReady().or(() -> unsupported("rmi", text(params, "options"), RMI_OPTIONS));
    if (refused.isPresent()) {
      return refused.get();
    }
    Set<String> options = Set.of(words(text(params, "options")));
    String[] images = words(text(params, "image"));
    if (images.length == 0) {
      return ActionResult.fail("No image given: image is a space-separated list of images");
    }
    List<String> lines = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    try (DockerImages docker = this.docker.get()) {
      for (String image : images) {
        try {
          docker.remove(image, options.contains("-f") || options.contains("--force"), options.contains("--no-prune"));
          lines.add("Removed " + image);
        } catch (EngineUnavailable e) {
          throw e; // the same for every image: fail the action with it at once
        } catch (RuntimeException e) {
          failed.add(image);
          lines.add(image + ": " + e.getMessage());
        }
      }
    }
    Map<String, String> results = Map.of("output", String.join("\n", lines));
    return failed.isEmpty()
        ? ActionResult.ok(results)
        : new ActionResult.Failed("Could not remove " + String.join(", ", failed), results);
  }

  /** push: optionally pull, tag for this registry (or as given) and push. */
  public ActionResult push(Map<String, Object> params) {
    Reconciler.Facts facts = reconciler.read();
    Optional<Status> notReady = reconciler.precheck(facts);
    if (notReady.isPresent()) {
      return ActionResult.notReady(notReady.get());
    }
    String netloc = facts.address() + ":" + facts.config().registryPort();
    Optional<ImageRef> source = ImageRef.parse(text(params, "image"));
    if (source.isEmpty()) {
      return ActionResult.fail("image \"" + text(params, "image") + "\" is not a valid image reference");
    }
    String tagParam = text(params, "tag");
    Optional<ImageRef> target = tagParam.isEmpty() ? Optional.of(source.get().in(netloc)) : ImageRef.parse(tagParam);
    if (target.isEmpty()) {
      return ActionResult.fail("tag \"" + tagParam + "\" is not a valid image reference");
    }
    try (DockerImages docker = this.docker.get()) {
      if (!Boolean.FALSE.equals(params.get("pull"))) {
        tools.actionLog("Pulling " + source.get());
        docker.pull(source.get().toString(), line -> tools.actionLog(line));
      }
      docker.tag(source.get().toString(), target.get().repository(), target.get().tag());
      tools.actionLog("Pushing " + target.get());
      // The charm's credentials go only to this registry, never to one a foreign tag names.
      AuthConfig credentials = netloc.equals(target.get().host()) ? auth(facts.config(), netloc) : null;
      docker.push(target.get().repository(), target.get().tag(), credentials, line -> tools.actionLog(line));
    } catch (RuntimeException e) {
      return ActionResult.fail("Could not push " + target.get() + ": " + e.getMessage());
    }
    return ActionResult.ok(Map.of("raw", "pushed " + target.get(), "outcome", "success"));
  }

  /** Credentials for our own registry when basic auth is configured. */
  private static AuthConfig auth(RegistryConfig config, String netloc) {
    return config.basicAuth()
        .map(b -> new AuthConfig().withUsername(b.user()).withPassword(b.password()).withRegistryAddress(netloc))
        .orElse(null);
  }

  private Optional<ActionResult> notReady() {
    Optional<Status> notReady = reconciler.precheck(reconciler.read());
    return notReady.map(ActionResult::notReady);
  }

  private static Optional<ActionResult> unsupported(String action, String options, Set<String> allowed) {
    for (String word : words(options)) {
      if (!allowed.contains(word)) {
        return Optional.of(ActionResult.fail(
            "Unsupported " + action + " option \"" + word + "\"; accepted: " + String.join(", ", new java.util.TreeSet<>(allowed))));
      }
    }
    return Optional.empty();
  }

  private static String[] words(String text) {
    String trimmed = text.strip();
    return trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
  }

  private static String text(Map<String, Object> params, String key) {
    Object value = params.get(key);
    return value == null ? "" : value.toString();
  }

  /** The {@code docker images} table. */
  static final class ImageTable {
    private ImageTable() {}

    static String render(List<DockerImages.ImageRow> rows, boolean quiet, boolean noTrunc, boolean digests) {
      List<String[]> table = new ArrayList<>();
      if (!quiet) {
        table.add(digests
            ? new String[] {"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"}
            : new String[] {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
      }
      for (DockerImages.ImageRow row : rows) {
        String bare = row.id().replaceFirst("^sha256:", "");
        String id = noTrunc ? row.id() : bare.substring(0, Math.min(12, bare.length()));
        if (quiet) {
          table.add(new String[] {id});
          continue;
        }
        List<String> tags = row.repoTags().isEmpty() ? List.of("<none>:<none>") : row.repoTags();
        for (String repoTag : tags) {
          int colon = repoTag.lastIndexOf(':');
          String repo = repoTag.substring(0, colon);
          String tag = repoTag.substring(colon + 1);
          String created = Instant.ofEpochSecond(row.created()).toString();
          String size = String.format(Locale.ROOT, "%.1fMB", row.size() / 1e6);
          String digest = row.repoDigests().stream().filter(d -> d.startsWith(repo + "@")).map(d -> d.substring(d.indexOf('@') + 1)).findFirst().orElse("<none>");
          table.add(digests ? new String[] {repo, tag, digest, id, created, size} : new String[] {repo, tag, id, created, size});
        }
      }
      return align(table);
    }

    private static String align(List<String[]> table) {
      if (table.isEmpty()) {
        return "";
      }
      int[] widths = new int[table.get(0).length];
      for (String[] row : table) {
        for (int i = 0; i < row.length; i++) {
          widths[i] = Math.max(widths[i], row[i].length());
        }
      }
      StringBuilder out = new StringBuilder();
      for (String[] row : table) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
          line.append(i == row.length - 1 ? row[i] : String.format(Locale.ROOT, "%-" + (widths[i] + 3) + "s", row[i]));
        }
        out.append(line.toString().stripTrailing()).append('\n');
      }
      return out.toString().stripTrailing();
    }
  }
}
