package charm.actions;

import charm.Reconciler;
import charm.juju.HookTools;
import charm.registry.ImageRef;
import charm.workload.DockerImages;
import charm.workload.EngineUnavailable;
import charm.workload.RegistryAccess;
import com.github.dockerjava.api.model.AuthConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The images, rmi and push actions, on the unit's Docker engine through its API. Unlike the
 * previous charm they never hand the operator's {@code options} to a command line: each option is
 * checked against a short list of safe flags, and image names against the reference grammar.
 */
public final class ImageActions {
  static final Set<String> RMI_OPTIONS = Set.of("-f", "--force", "--no-prune");

  private final HookTools tools;
  private final Supplier<DockerImages> docker;
  private final Reconciler reconciler;

  public ImageActions(HookTools tools, Supplier<DockerImages> docker, Reconciler reconciler) {
    this.tools = tools;
    this.docker = docker;
    this.reconciler = reconciler;
  }

  /** images: the local listing, as {@code docker images [options] [repository]} prints it. */
  public ActionResult images(Map<String, Object> params) {
    Optional<ActionResult> notReady = notReady();
    if (notReady.isPresent()) {
      return notReady.get();
    }
    ImagesOptions.Parsed parsed = ImagesOptions.parse(Params.text(params, "options"));
    if (parsed.problem() != null) {
      return ActionResult.fail(parsed.problem());
    }
    ImagesOptions options = parsed.options();
    String repository = Params.text(params, "repository").strip();
    Map<String, List<String>> filters = new LinkedHashMap<>(options.filters());
    if (!repository.isEmpty()) {
      Optional<ImageRef> ref = ImageRef.parse(repository);
      if (ref.isEmpty() || !ref.get().digest().isEmpty()) {
        return ActionResult.fail("repository \"" + repository + "\" is not a REPOSITORY[:TAG]");
      }
      // As docker does: the argument is one more reference filter (either one may match).
      List<String> references = new ArrayList<>(filters.getOrDefault("reference", List.of()));
      references.add(0, repository);
      filters.put("reference", references);
    }
    List<DockerImages.ImageRow> rows;
    try (DockerImages images = docker.get()) {
      rows = images.list(options.all(), filters);
    }
    return ActionResult.ok(Map.of("output", ImageTable.render(rows, options.quiet(), options.noTrunc(), options.digests(), Instant.now())));
  }

  /**
   * rmi: removes each listed image and reports each one: {@code removed}, {@code missing} (the
   * engine has no such image; not an error) and {@code failed} (the engine refused, e.g. an image
   * in use; the action fails naming them).
   */
  public ActionResult rmi(Map<String, Object> params) {
    Optional<ActionResult> refused = notReady().or(() -> unsupported("rmi", Params.text(params, "options"), RMI_OPTIONS));
    if (refused.isPresent()) {
      return refused.get();
    }
    Set<String> options = Set.of(Params.words(Params.text(params, "options")));
    String[] images = Params.words(Params.text(params, "image"));
    if (images.length == 0) {
      return ActionResult.fail("No image given: image is a space-separated list of images");
    }
    List<String> invalid = new ArrayList<>();
    for (String image : images) {
      if (ImageRef.parse(image).isEmpty()) {
        invalid.add("\"" + image + "\"");
      }
    }
    if (!invalid.isEmpty()) {
      return ActionResult.fail("Not an image reference or id: " + String.join(", ", invalid) + "; nothing was removed");
    }
    boolean force = options.contains("-f") || options.contains("--force");
    List<String> lines = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    try (DockerImages docker = this.docker.get()) {
      for (String image : images) {
        try {
          if (docker.remove(image, force, options.contains("--no-prune"))) {
            removed.add(image);
            lines.add("Removed " + image);
          } else {
            missing.add(image);
            lines.add(image + ": no such image");
          }
        } catch (EngineUnavailable e) {
          throw e; // the same for every image: fail the action with it at once
        } catch (RuntimeException e) {
          failed.add(image);
          lines.add(image + ": " + e.getMessage());
        }
      }
    }
    Map<String, String> results = Map.of(
        "output", String.join("\n", lines),
        "removed", String.join(" ", removed),
        "missing", String.join(" ", missing),
        "failed", String.join(" ", failed));
    return failed.isEmpty()
        ? ActionResult.ok(results)
        : new ActionResult.Failed("Could not remove " + String.join(", ", failed), results);
  }

  /**
   * push: optionally pull, tag for this registry (or as given) and push. The default tag is the
   * registry's netloc (http-host's when set, else the proxy's or the unit's address with the
   * registry port) and the image's path and tag; a source registry host and a digest are dropped.
   */
  public ActionResult push(Map<String, Object> params) {
    Reconciler.Facts facts = reconciler.read();
    Reconciler.Access access = reconciler.access(facts);
    if (access.notReady().isPresent()) {
      return ActionResult.notReady(access.notReady().get());
    }
    RegistryAccess registry = access.registry().orElseThrow();
    String netloc = registry.netloc();
    Optional<ImageRef> source = ImageRef.parse(Params.text(params, "image"));
    if (source.isEmpty()) {
      return ActionResult.fail("image \"" + Params.text(params, "image") + "\" is not a valid image reference");
    }
    String tagParam = Params.text(params, "tag").strip();
    Optional<ImageRef> target = tagParam.isEmpty() ? Optional.of(source.get().in(netloc)) : ImageRef.parse(tagParam);
    if (target.isEmpty() || !target.get().digest().isEmpty()) {
      return ActionResult.fail("tag \"" + tagParam + "\" is not a valid [HOST[:PORT]/]NAME[:TAG]");
    }
    if (netloc.equals(target.get().host()) && ContainerActions.stopped(facts)) {
      return ActionResult.fail(facts.config().registryName() + " was stopped with the stop action; run the start action first");
    }
    String digest;
    try (DockerImages docker = this.docker.get()) {
      if (Params.flag(params, "pull", true)) {
        tools.actionLog("Pulling " + source.get());
        docker.pull(source.get().toString(), line -> tools.actionLog(line));
      }
      docker.tag(source.get().toString(), target.get().repository(), target.get().tag());
      tools.actionLog("Pushing " + target.get());
      // The charm's credentials go only to this registry, never to one a foreign tag names.
      AuthConfig credentials = netloc.equals(target.get().host()) ? auth(registry) : null;
      digest = docker.push(target.get().repository(), target.get().tag(), credentials, line -> tools.actionLog(line));
    } catch (RuntimeException e) {
      return ActionResult.fail("Could not push " + target.get() + ": " + e.getMessage());
    }
    Map<String, String> results = new LinkedHashMap<>();
    results.put("raw", "pushed " + target.get());
    results.put("outcome", "success");
    results.put("tag", target.get().toString());
    results.put("digest", digest);
    return ActionResult.ok(results);
  }

  /** Credentials for our own registry when basic auth is configured. */
  private static AuthConfig auth(RegistryAccess registry) {
    return registry.basic()
        .map(b -> new AuthConfig().withUsername(b.user()).withPassword(b.password()).withRegistryAddress(registry.netloc()))
        .orElse(null);
  }

  private Optional<ActionResult> notReady() {
    return reconciler.precheck(reconciler.read()).map(ActionResult::notReady);
  }

  private static Optional<ActionResult> unsupported(String action, String options, Set<String> allowed) {
    for (String word : Params.words(options)) {
      if (!allowed.contains(word)) {
        return Optional.of(ActionResult.fail(
            "Unsupported " + action + " option \"" + word + "\"; accepted: " + String.join(", ", new TreeSet<>(allowed))));
      }
    }
    return Optional.empty();
  }
}
