package charm.registry;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The secret values a plan hands to the registry (the http secret, storage and cache passwords
 * and keys, a password in a proxy URL). Text the charm did not write itself, such as the
 * registry's own log lines quoted in a status, goes through {@link #redact} first. Never printed.
 */
public final class Secrets {
  /** What a secret value is replaced with. */
  public static final String REDACTED = "<redacted>";

  /** Longest first, so a secret that contains another is replaced whole. */
  private final List<String> values;

  private Secrets(List<String> values) {
    this.values = values.stream().filter(v -> v != null && !v.isEmpty()).distinct()
        .sorted(Comparator.comparingInt(String::length).reversed()).toList();
  }

  /** No secrets. */
  public static Secrets none() {
    return new Secrets(List.of());
  }

  /** These values; null and empty ones are ignored. */
  public static Secrets of(List<String> values) {
    return new Secrets(new ArrayList<>(values));
  }

  /** The secrets in the options, and the http secret, that the plan puts into config.yml or the environment. */
  static Secrets of(RegistryConfig cfg, String httpSecret) {
    List<String> values = new ArrayList<>();
    values.add(httpSecret);
    cfg.swift().ifPresent(s -> values.add(s.password()));
    cfg.s3().ifPresent(s -> values.addAll(List.of(s.accessKey(), s.secretKey())));
    cfg.redisCache().ifPresent(r -> values.add(r.password()));
    cfg.pullThroughCache().ifPresent(c -> {
      values.add(c.password());
      values.addAll(urlPassword(c.remoteUrl()));
    });
    cfg.basicAuth().ifPresent(b -> values.add(b.password()));
    cfg.httpProxy().map(Secrets::urlPassword).ifPresent(values::addAll);
    cfg.httpsProxy().map(Secrets::urlPassword).ifPresent(values::addAll);
    return new Secrets(values);
  }

  /**
   * The password of a URL's user information ({@code scheme://user:password@host}), as written and
   * percent-decoded; none without one. The last {@code @} ends the user information, as in a
   * password that contains {@code /} or {@code @} unescaped (more redacted rather than less).
   */
  static List<String> urlPassword(String url) {
    int scheme = url.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int at = url.lastIndexOf('@');
    int colon = url.indexOf(':', start);
    if (at < start || colon < 0 || colon + 1 >= at) {
      return List.of();
    }
    String password = url.substring(colon + 1, at);
    try {
      return List.of(password, URLDecoder.decode(password.replace("+", "%2B"), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return List.of(password);
    }
  }

  /** {@code text} with every secret value replaced by {@link #REDACTED}. */
  public String redact(String text) {
    String out = text;
    for (String v : values) {
      out = out.replace(v, REDACTED);
    }
    return out;
  }

  @Override
  public String toString() {
    return "Secrets[" + values.size() + " values]";
  }
}
