package charm.tls;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs openssl and easy-rsa in a directory, with a deadline, failing the test on a non-zero exit. */
final class Cli {
  static final Path EASYRSA = Path.of("/usr/share/easy-rsa/easyrsa");

  private Cli() {}

  record Out(int exitCode, String stdout, String stderr) {}

  static Out run(Path dir, Map<String, String> env, List<String> argv) {
    try {
      Path out = Files.createTempFile(dir, "cli", ".out");
      Path err = Files.createTempFile(dir, "cli", ".err");
      try {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          fail(String.join(" ", argv) + " did not finish within 60 s");
        }
        return new Out(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs the command and returns its stdout; fails the test unless it exits 0. */
  static String ok(Path dir, String... argv) {
    return ok(dir, Map.of(), argv);
  }

  static String ok(Path dir, Map<String, String> env, String... argv) {
    Out o = run(dir, env, List.of(argv));
    if (o.exitCode() != 0) {
      fail(String.join(" ", argv) + " exited " + o.exitCode() + ":\n" + o.stdout() + o.stderr());
    }
    return o.stdout();
  }

  static String openssl(Path dir, String... args) {
    String[] argv = new String[args.length + 1];
    argv[0] = "openssl";
    System.arraycopy(args, 0, argv, 1, args.length);
    return ok(dir, argv);
  }

  /** Runs easyrsa in batch mode with its PKI in dir/pki. */
  static String easyrsa(Path dir, String... args) {
    if (!Files.isExecutable(EASYRSA)) {
      fail("easy-rsa is not installed: apt-get install -y easy-rsa");
    }
    String[] argv = new String[args.length + 1];
    argv[0] = EASYRSA.toString();
    System.arraycopy(args, 0, argv, 1, args.length);
    return ok(dir, Map.of("EASYRSA_BATCH", "1", "EASYRSA_PKI", dir.resolve("pki").toString()), argv);
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path p, String content) {
    try {
      return Files.writeString(p, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
