package charm.tls;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Validates TLS material before the registry uses it; every problem is a short reason without secrets. */
public final class CertificateCheck {
  /** Deep enough for any real chain; bounds the walk when intermediates sign each other. */
  private static final int MAX_CHAIN = 10;

  private CertificateCheck() {}

  /**
   * The outcome of a check.
   *
   * @param problems operator-facing reasons, empty when the material is usable
   * @param notAfter the leaf's expiry, null when the certificate does not parse
   * @param names the leaf's DNS and IP subject alternative names in its order (IPs in canonical
   *     text), or its common name when it has no such names; empty when it does not parse
   * @param notYetValidUntil the leaf's start when it is still ahead (one of the problems), else null
   */
  public record Result(List<String> problems, Instant notAfter, List<String> names, Instant notYetValidUntil) {
    public Result {
      problems = List.copyOf(problems);
      names = List.copyOf(names);
    }

    public boolean ok() {
      return problems.isEmpty();
    }

    /** Whether the only problem is a start still ahead: the material becomes usable by itself. */
    public boolean onlyNotYetValid() {
      return notYetValidUntil != null && problems.size() == 1;
    }

    /** Whole days until expiry, rounded down (negative once expired); 0 when unknown. */
    public long daysLeft(Instant now) {
      if (notAfter == null) {
        return 0;
      }
      return Math.floorDiv(notAfter.getEpochSecond() - now.getEpochSecond(), 86_400L);
    }
  }

  /**
   * Checks, in this order: the certificate parses; the private key parses, is unencrypted and
   * matches it (a null key is "missing": attach the requirer's own key to a modern answer first);
   * {@code now} is within the leaf's validity, with no leeway for a start ahead of us (clients
   * check the start too, by their own clocks); the leaf names at least one of {@code
   * acceptableNames} (IP subject alternative names compared as addresses, DNS ones
   * case-insensitively with a single leftmost wildcard label, the common name only when there are
   * no subject alternative names; no names to accept skips this); and, when a CA is given, the
   * leaf verifies to one of its certificates, directly or through the certificates after the
   * leaf. Uses the JDK only: nothing here loads BouncyCastle.
   */
  public static Result check(TlsMaterial m, List<String> acceptableNames, Instant now) {
    return check(m, acceptableNames, null, now);
  }

  /**
   * {@link #check(TlsMaterial, List, Instant)}, saying where the names come from when the leaf
   * names none of them: "… but not reg.example.com (http-host)".
   *
   * @param namesFrom what the acceptable names are, for the operator; null for nothing
   */
  public static Result check(TlsMaterial m, List<String> acceptableNames, String namesFrom, Instant now) {
    List<String> problems = new ArrayList<>();
    List<Certs.Cert> chain = Certs.all(m.certPem());
    if (chain == null) {
      problems.add(blank(m.certPem()) ? "the certificate is missing" : "the certificate is not valid PEM");
    }
    Certs.Cert leaf = chain == null ? null : chain.get(0);

    Keys.Parsed key = Keys.parse(m.keyPem());
    if (!key.ok()) {
      problems.add(key.problem());
    } else if (leaf != null && !Keys.matchesPublicKey(key.key(), leaf.x509().getPublicKey())) {
      problems.add("the private key does not match the certificate");
    }

    List<String> names = List.of();
    Instant notAfter = null;
    Instant notYetValidUntil = null;
    if (leaf != null) {
      notAfter = leaf.x509().getNotAfter().toInstant();
      Instant notBefore = leaf.x509().getNotBefore().toInstant();
      if (now.isAfter(notAfter)) {
        problems.add("the certificate expired on " + LocalDate.ofInstant(notAfter, ZoneOffset.UTC));
      } else if (now.isBefore(notBefore)) {
        notYetValidUntil = notBefore;
        problems.add("the certificate is not valid before " + notBefore.truncatedTo(ChronoUnit.SECONDS));
      }
      List<Certs.Name> certNames = names(leaf);
      names = certNames.stream().map(Certs.Name::text).toList();
      String wanted = String.join(" or ", cleaned(acceptableNames));
      if (!wanted.isEmpty() && !namesAny(certNames, acceptableNames)) {
        String from = namesFrom == null ? "" : " (" + namesFrom + ")";
        problems.add(names.isEmpty()
            ? "the certificate names no host or address, not " + wanted + from
            : "the certificate names " + String.join(", ", names) + " but not " + wanted + from);
      }
    }

    if (!blank(m.caPem())) {
      List<Certs.Cert> cas = Certs.all(m.caPem());
      if (cas == null) {
        problems.add("the CA is not valid PEM");
      } else if (chain != null && !verifies(chain, cas)) {
        problems.add("the certificate is not signed by the CA");
      }
    }
    return new Result(problems, notAfter, names, notYetValidUntil);
  }

  /** The subject alternative names, or the common name when there are none (as a DNS or IP name). */
  private static List<Certs.Name> names(Certs.Cert leaf) {
    List<Certs.Name> sans = Certs.subjectAltNames(leaf.x509());
    if (!sans.isEmpty()) {
      return sans;
    }
    String cn = Certs.commonName(leaf.x509());
    if (cn == null || cn.isBlank()) {
      return List.of();
    }
    byte[] ip = IpLiteral.parse(cn);
    return List.of(ip != null ? new Certs.Name(null, ip) : new Certs.Name(cn, null));
  }

  private static List<String> cleaned(List<String> acceptable) {
    Set<String> out = new LinkedHashSet<>();
    if (acceptable != null) {
      for (String a : acceptable) {
        if (a != null && !a.isBlank()) {
          out.add(a.strip());
        }
      }
    }
    return new ArrayList<>(out);
  }

  private static boolean namesAny(List<Certs.Name> certNames, List<String> acceptable) {
    for (String wanted : cleaned(acceptable)) {
      byte[] ip = IpLiteral.parse(wanted);
      for (Certs.Name n : certNames) {
        if (ip != null ? n.ip() != null && sameIp(n.ip(), ip) : n.dns() != null && dnsMatches(n.dns(), wanted)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean sameIp(byte[] a, byte[] b) {
    return Arrays.equals(unmapped(a), unmapped(b));
  }

  /** ::ffff:a.b.c.d is a.b.c.d. */
  private static byte[] unmapped(byte[] ip) {
    if (ip.length != 16 || ip[10] != (byte) 0xff || ip[11] != (byte) 0xff) {
      return ip;
    }
    for (int i = 0; i < 10; i++) {
      if (ip[i] != 0) {
        return ip;
      }
    }
    return Arrays.copyOfRange(ip, 12, 16);
  }

  /** Case-insensitive, a trailing dot ignored; "*" only as the whole leftmost label, matching one label. */
  static boolean dnsMatches(String pattern, String host) {
    String p = dnsNormal(pattern);
    String h = dnsNormal(host);
    if (p.isEmpty() || h.isEmpty()) {
      return false;
    }
    if (!p.startsWith("*.")) {
      return p.equals(h);
    }
    String suffix = p.substring(1); // ".example.com"
    if (suffix.indexOf('*') >= 0 || !h.endsWith(suffix)) {
      return false;
    }
    String label = h.substring(0, h.length() - suffix.length());
    return !label.isEmpty() && label.indexOf('.') < 0;
  }

  private static String dnsNormal(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  /** Whether the leaf reaches one of the CA certificates through the certificates after it. */
  private static boolean verifies(List<Certs.Cert> chain, List<Certs.Cert> cas) {
    Certs.Cert current = chain.get(0);
    List<Certs.Cert> intermediates = new ArrayList<>(chain.subList(1, chain.size()));
    for (int depth = 0; depth < MAX_CHAIN; depth++) {
      for (Certs.Cert ca : cas) {
        if (ca.x509().equals(current.x509()) || Certs.signedBy(current, ca)) {
          return true;
        }
      }
      Certs.Cert next = null;
      for (Certs.Cert candidate : intermediates) {
        if (Certs.signedBy(current, candidate)) {
          next = candidate;
          break;
        }
      }
      if (next == null) {
        return false;
      }
      intermediates.remove(next);
      current = next;
    }
    return false;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
