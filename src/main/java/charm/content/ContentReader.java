package charm.content;

import charm.juju.Json;
import charm.workload.RegistryApi;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Reads what the registry holds through its HTTP API, so it works on every storage driver:
 * repositories, tags, the manifest each tag names and the platform manifests of an index, and an
 * image's creation time from its config. Requests run a few at a time ({@link #PARALLEL}); a
 * manifest or config already read is not asked for again (content is addressed by digest).
 */
public final class ContentReader implements AutoCloseable {
  /** Requests in flight at once: enough to hide the round trips, few enough for a busy registry. */
  public static final int PARALLEL = 8;
  static final int PAGE = 1000;
  /** An image config is a few kB; a larger one is not read for its date. */
  static final int CONFIG_LIMIT = 4 << 20;

  private final RegistryApi api;
  private final ExecutorService pool;
  private final Map<String, Manifest> manifests = new ConcurrentHashMap<>();
  private final Map<String, Optional<Instant>> created = new ConcurrentHashMap<>();
  private int requests;

  public ContentReader(RegistryApi api) {
    this.api = api;
    this.pool = Executors.newFixedThreadPool(PARALLEL, r -> {
      Thread t = new Thread(r, "registry-read");
      t.setDaemon(true);
      return t;
    });
  }

  /** A tag and the manifest it names. */
  public record Tagged(String tag, Manifest manifest) {}

  /** Every repository in the catalog. */
  public List<String> repositories() {
    RegistryApi.Listing listing = api.catalog(PAGE);
    count(listing.requests());
    return listing.items();
  }

  /** The tags of a repository (none when the registry does not know it). */
  public List<String> tags(String repository) {
    Optional<RegistryApi.Listing> listing = api.tags(repository, PAGE);
    count(listing.map(RegistryApi.Listing::requests).orElse(1));
    return listing.map(RegistryApi.Listing::items).orElse(List.of());
  }

  /**
   * Each tag of a repository with the manifest it names now, and every platform manifest of the
   * indexes among them (see {@link #manifest}). A tag deleted while this reads is left out.
   */
  public List<Tagged> tagged(String repository) {
    List<String> tags = tags(repository);
    List<Optional<Tagged>> read = parallel(tags, tag -> api.manifest(repository, tag).map(f -> {
      count(1);
      Manifest m = Manifest.parse(f.digest(), f.mediaType(), f.body());
      manifests.putIfAbsent(m.digest(), m);
      return new Tagged(tag, m);
    }));
    List<Tagged> out = new ArrayList<>();
    read.forEach(t -> t.ifPresent(out::add));
    List<String> children = new ArrayList<>();
    out.forEach(t -> t.manifest().children().forEach(c -> children.add(c.digest())));
    parallel(children, digest -> manifest(repository, digest));
    return out;
  }

  /** The manifest a digest names in a repository; empty when the registry has none. */
  public Optional<Manifest> manifest(String repository, String digest) {
    Manifest known = manifests.get(digest);
    if (known != null) {
      return Optional.of(known);
    }
    Optional<RegistryApi.Fetched> fetched = api.manifest(repository, digest);
    count(1);
    return fetched.map(f -> manifests.computeIfAbsent(f.digest(), d -> Manifest.parse(d, f.mediaType(), f.body())));
  }

  /** A manifest read earlier by {@link #tagged} or {@link #manifest}, by digest. */
  public Optional<Manifest> known(String digest) {
    return Optional.ofNullable(manifests.get(digest));
  }

  /**
   * When the image a manifest describes was created: its config's {@code created}; for an index,
   * the newest of its platforms; for a schema-1 manifest, its newest history entry. Empty when it
   * cannot be told (no config, no date, a date that does not parse).
   */
  public Optional<Instant> created(String repository, Manifest m) {
    if (m.isIndex()) {
      List<Optional<Instant>> dates = parallel(m.children(), c -> manifest(repository, c.digest()).flatMap(child -> created(repository, child)));
      return dates.stream().flatMap(Optional::stream).max(Instant::compareTo);
    }
    if (m.config().isEmpty()) {
      return Optional.empty();
    }
    Optional<Instant> known = created.get(m.config());
    if (known != null) {
      return known;
    }
    Optional<byte[]> config = api.blob(repository, m.config(), CONFIG_LIMIT);
    count(1);
    Optional<Instant> date = config.flatMap(ContentReader::configCreated);
    created.put(m.config(), date);
    return date;
  }

  /** Each tag's creation time, read a few at a time. */
  public Map<String, Optional<Instant>> created(String repository, List<Tagged> tags) {
    List<Optional<Instant>> dates = parallel(tags, t -> created(repository, t.manifest()));
    Map<String, Optional<Instant>> out = new LinkedHashMap<>();
    for (int i = 0; i < tags.size(); i++) {
      out.put(tags.get(i).tag(), dates.get(i));
    }
    return out;
  }

  /** The {@code created} of an image config (RFC 3339). */
  static Optional<Instant> configCreated(byte[] config) {
    try {
      if (Json.parse(config) instanceof Map<?, ?> m && m.get("created") instanceof String text) {
        return parseTime(text);
      }
    } catch (Json.ParseException e) {
      // not JSON: no date
    }
    return Optional.empty();
  }

  static Optional<Instant> parseTime(String text) {
    try {
      return Optional.of(OffsetDateTime.parse(text).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** How many requests this reader made so far. */
  public synchronized int requests() {
    return requests;
  }

  private synchronized void count(int n) {
    requests += n;
  }

  /** Applies {@code f} to every item, {@link #PARALLEL} at a time; results in item order. */
  private <T, R> List<R> parallel(List<T> items, Function<T, R> f) {
    if (items.size() <= 1 || Thread.currentThread().getName().equals("registry-read")) {
      List<R> out = new ArrayList<>();
      items.forEach(i -> out.add(f.apply(i)));
      return out;
    }
    List<Future<R>> futures = new ArrayList<>();
    items.forEach(i -> futures.add(pool.submit(() -> f.apply(i))));
    List<R> out = new ArrayList<>();
    try {
      for (Future<R> future : futures) {
        out.add(future.get());
      }
    } catch (ExecutionException e) {
      futures.forEach(fu -> fu.cancel(true));
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryApi.Failure("interrupted while reading the registry");
    }
    return out;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
