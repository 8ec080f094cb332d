package charm.workload;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.ResponseItem;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The unit engine's images, for the images, rmi and push actions (docker-java). */
public final class DockerImages implements AutoCloseable {
  private final DockerClient client;

  public DockerImages(DockerClient client) {
    this.client = client;
  }

  /** One local image as {@code docker images} shows it. */
  public record ImageRow(String id, List<String> repoTags, List<String> repoDigests, long created, long size) {}

  /**
   * Local images, optionally including intermediate ones, filtered as {@code docker images
   * --filter} does ({@code reference}, {@code before}, {@code since}, {@code dangling}, {@code
   * label}); several values of one key match any of them.
   */
  public List<ImageRow> list(boolean all, Map<String, List<String>> filters) {
    var cmd = client.listImagesCmd().withShowAll(all);
    filters.forEach(cmd::withFilter);
    List<ImageRow> rows = new ArrayList<>();
    for (Image i : cmd.exec()) {
      rows.add(new ImageRow(
          i.getId(),
          i.getRepoTags() == null ? List.of() : List.of(i.getRepoTags()),
          i.getRepoDigests() == null ? List.of() : List.of(i.getRepoDigests()),
          i.getCreated() == null ? 0 : i.getCreated(),
          i.getSize() == null ? 0 : i.getSize()));
    }
    return rows;
  }

  /**
   * Removes one image by name or id; false when the engine has no such image.
   *
   * @throws IllegalStateException with the engine's reason when it refuses (an image in use)
   */
  public boolean remove(String image, boolean force, boolean noPrune) {
    try {
      client.removeImageCmd(image).withForce(force).withNoPrune(noPrune).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (DockerException e) {
      throw new IllegalStateException(DockerRegistryContainer.engineReason(e), e);
    }
  }

  /** Pulls {@code image}, reporting progress lines. */
  public void pull(String image, Consumer<String> progress) {
    pull(client, image, progress);
  }

  /**
   * Pulls {@code image} with any client; fails when the engine reports an error in the progress
   * stream (it answers HTTP 200 and puts pull errors there).
   */
  static void pull(DockerClient client, String image, Consumer<String> progress) {
    await(client.pullImageCmd(image).exec(new Progress<>(progress)), "pull " + image);
  }

  /**
   * Loads a {@code docker save} tarball with any client; returns the engine's "Loaded image"
   * lines and fails when the engine reports an error in its stream (it answers HTTP 200).
   */
  static List<String> load(DockerClient client, java.io.InputStream tarball, Consumer<String> progress) {
    Loaded loaded = new Loaded(progress);
    client.loadImageAsyncCmd(tarball).exec(loaded);
    try {
      if (!loaded.awaitCompletion(30, TimeUnit.MINUTES)) {
        throw new IllegalStateException("loading the image did not finish within 30 minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("loading the image was interrupted", e);
    }
    if (loaded.error != null) {
      throw new IllegalStateException(loaded.error);
    }
    return loaded.images;
  }

  /** The stream of an image load: "Loaded image: ..." lines, or an error. */
  private static final class Loaded extends ResultCallback.Adapter<com.github.dockerjava.api.model.LoadResponseItem> {
    private final Consumer<String> out;
    private final List<String> images = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile String error;

    Loaded(Consumer<String> out) {
      this.out = out;
    }

    @Override
    public void onNext(com.github.dockerjava.api.model.LoadResponseItem item) {
      if (item.getErrorDetail() != null || item.getError() != null) {
        error = item.getErrorDetail() != null ? item.getErrorDetail().getMessage() : item.getError();
        return;
      }
      String line = item.getStream() != null ? item.getStream().strip() : item.getStatus();
      if (line != null && !line.isEmpty() && item.getProgressDetail() == null) {
        out.accept(line);
        if (line.startsWith("Loaded image")) {
          images.add(line);
        }
      }
    }

    @Override
    public void onError(Throwable throwable) {
      error = throwable instanceof DockerException d ? d.getMessage() : String.valueOf(throwable.getMessage());
      super.onError(throwable);
    }
  }

  /** Tags {@code image} as {@code repository:tag}. */
  public void tag(String image, String repository, String tag) {
    client.tagImageCmd(image, repository, tag).withForce(true).exec();
  }

  /**
   * Pushes {@code repository:tag}, with credentials when {@code auth} is not null; returns the
   * manifest digest the registry answered (empty if the engine did not report one).
   */
  public String push(String repository, String tag, AuthConfig auth, Consumer<String> progress) {
    var cmd = client.pushImageCmd(repository).withTag(tag);
    if (auth != null) {
      cmd.withAuthConfig(auth);
    }
    Progress<?> callback = cmd.exec(new Progress<>(progress));
    await(callback, "push " + repository + ":" + tag);
    return callback.digest;
  }

  private static void await(Progress<?> callback, String what) {
    try {
      if (!callback.awaitCompletion(30, TimeUnit.MINUTES)) {
        throw new IllegalStateException(what + " did not finish within 30 minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " was interrupted", e);
    }
    if (callback.error != null) {
      throw new IllegalStateException(callback.error);
    }
  }

  /** Forwards status lines, and keeps the error a stream item reports (docker sends HTTP 200). */
  private static final class Progress<T extends ResponseItem> extends ResultCallback.Adapter<T> {
    private final Consumer<String> out;
    private String last = "";
    private volatile String error;
    private volatile String digest = "";

    Progress(Consumer<String> out) {
      this.out = out;
    }

    @Override
    public void onNext(T item) {
      if (item.getErrorDetail() != null || item.getError() != null) {
        error = item.getErrorDetail() != null ? item.getErrorDetail().getMessage() : item.getError();
        return;
      }
      if (item.getAux() != null && item.getAux().getDigest() != null) {
        digest = item.getAux().getDigest(); // the push's last item: what the registry stored
      }
      String line = item.getStatus();
      if (line != null && item.getProgressDetail() == null && !line.equals(last)) {
        last = line;
        out.accept(line + (item.getId() == null ? "" : " " + item.getId()));
      }
    }

    @Override
    public void onError(Throwable throwable) {
      error = throwable instanceof DockerException d ? d.getMessage() : String.valueOf(throwable.getMessage());
      super.onError(throwable);
    }
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException e) {
      // a local socket client; nothing to do
    }
  }
}
