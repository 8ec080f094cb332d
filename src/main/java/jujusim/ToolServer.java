package jujusim;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The loopback TCP endpoint the hook-tool script talks to. One server per hook run; it accepts
 * calls only for the current context id (spec §0.1).
 */
final class ToolServer implements AutoCloseable {
  private final ServerSocket server;
  private final HookContext ctx;
  private final Object lock;
  private final ExecutorService workers;
  private final Thread acceptor;

  ToolServer(HookContext ctx, Object lock) throws IOException {
    this(ctx, lock, InetAddress.getLoopbackAddress());
  }

  /** @param bind where hooks reach it: loopback, or an address a unit's own network namespace can reach */
  ToolServer(HookContext ctx, Object lock, InetAddress bind) throws IOException {
    this.ctx = ctx;
    this.lock = lock;
    this.server = new ServerSocket(0, 50, bind);
    this.workers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "jujusim-tool");
              t.setDaemon(true);
              return t;
            });
    this.acceptor = new Thread(this::acceptLoop, "jujusim-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String address() {
    return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        workers.execute(() -> handle(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void handle(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      Tools.Reply reply;
      String id = field(in);
      String cwd = field(in);
      String tool = field(in);
      int argc = Integer.parseInt(field(in));
      List<String> args = new ArrayList<>();
      for (int i = 0; i < argc; i++) {
        args.add(field(in));
      }
      int stdinLen = Integer.parseInt(field(in));
      byte[] stdin = stdinLen >= 0 ? in.readNBytes(stdinLen) : null;
      if (!id.equals(ctx.id)) {
        reply =
            Tools.Reply.error(
                1, "bad request: expected context id " + Fmt.goQuote(ctx.id) + ", got " + Fmt.goQuote(id));
      } else {
        synchronized (lock) {
          reply = Tools.run(ctx, cwd, tool, args, stdin);
        }
      }
      OutputStream out = s.getOutputStream();
      out.write((reply.code() + "\0" + reply.stdout().length + "\0").getBytes(StandardCharsets.UTF_8));
      out.write(reply.stdout());
      out.write(reply.stderr());
      out.flush();
    } catch (IOException | RuntimeException e) {
      // the client went away or sent garbage; nothing to answer
    }
  }

  private static String field(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != 0) {
      if (b < 0) {
        throw new IOException("truncated request");
      }
      buf.write(b);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // ignore
    }
    workers.shutdown();
    try {
      acceptor.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
