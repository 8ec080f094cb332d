package charm.workload;

import java.time.Duration;

/**
 * The Docker engine did not answer: its socket is missing or refuses connections, a call ran past
 * its deadline, or what came back is not HTTP. Transient by nature, so hooks report {@code
 * waiting} and exit 0 instead of failing; the next hook tries again.
 *
 * <p>The message names the engine, the reason and the request ({@code GET /containers/x/json},
 * without query string); never headers or bodies, which may hold credentials.
 */
public final class EngineUnavailable extends RuntimeException {
  private final String reason;

  /** @param reason what went wrong, completing "Docker engine ...", e.g. "did not answer within 10 s (GET /_ping)" */
  public EngineUnavailable(String reason) {
    this(reason, null);
  }

  public EngineUnavailable(String reason, Throwable cause) {
    super("Docker engine " + reason, cause);
    this.reason = reason;
  }

  /** The message without its "Docker engine " prefix, for "Waiting for the Docker engine: ...". */
  public String reason() {
    return reason;
  }

  /** "did not answer within 10 s (GET /_ping)". */
  static EngineUnavailable timedOut(Duration deadline, String method, String path) {
    return new EngineUnavailable("did not answer within " + seconds(deadline) + " (" + request(method, path) + ")");
  }

  /** {@code METHOD /path}, without the query string. */
  static String request(String method, String path) {
    int query = path.indexOf('?');
    return method + " " + (query < 0 ? path : path.substring(0, query));
  }

  /** "10 s", "1.5 s" or "500 ms". */
  static String seconds(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
  }
}
