package charm.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** Plain HTTP calls against the registry, and polling with a deadline instead of sleeping. */
final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).followRedirects(HttpClient.Redirect.NEVER).build();

  private Http() {}

  static HttpResponse<String> send(String method, String url, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Status code, or -1 when nothing answers. */
  static int status(String url) {
    HttpResponse<String> r = send("GET", url);
    return r == null ? -1 : r.statusCode();
  }

  /** Polls until the condition holds on the status code; fails after the deadline. */
  static void await(String url, Predicate<Integer> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int last;
    do {
      last = status(url);
      if (condition.test(last)) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    } while (System.nanoTime() < deadline);
    throw new AssertionError(url + " still answers " + last + " after " + timeout);
  }
}
