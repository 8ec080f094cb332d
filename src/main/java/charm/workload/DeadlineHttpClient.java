package charm.workload;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines for docker-java on a unix socket, where its transport has none: the zerodep transport
 * reads a blocking {@code SocketChannel}, which ignores the socket timeout that its {@code
 * responseTimeout} sets. A blocking channel read does end when the reading thread is interrupted
 * (the channel is closed), so a watchdog interrupts any thread still inside a guarded call at its
 * deadline:
 *
 * <ul>
 *   <li>{@link #execute}: connect, request and response headers within {@code response};
 *   <li>each read of the response body within {@code read}, so a pull or push that keeps sending
 *       progress may run as long as it needs while one that stops sending fails.
 * </ul>
 *
 * <p>Both, and any failure to reach the socket, become {@link EngineUnavailable}. Errors that the
 * engine answers with (HTTP 4xx/5xx) are left to docker-java.
 */
final class DeadlineHttpClient implements DockerHttpClient {
  private final DockerHttpClient delegate;
  private final Path socket;
  private final Duration response;
  private final Duration read;
  private final Watchdog watchdog = new Watchdog();

  DeadlineHttpClient(DockerHttpClient delegate, Path socket, Duration response, Duration read) {
    this.delegate = delegate;
    this.socket = socket;
    this.response = response;
    this.read = read;
  }

  @Override
  public Response execute(Request request) {
    String what = EngineUnavailable.request(request.method(), request.path());
    Watchdog.Guard guard = watchdog.arm(response);
    Response answer;
    try {
      answer = delegate.execute(request);
    } catch (RuntimeException e) {
      if (guard.disarm()) {
        throw timedOut(what, e);
      }
      IOException io = ioCause(e);
      if (io != null) {
        throw new EngineUnavailable("socket " + socket + ": " + String.valueOf(io.getMessage()).toLowerCase(Locale.ROOT), e);
      }
      throw e;
    }
    if (guard.disarm()) {
      // Answered just as the deadline passed: the interrupt may have closed the connection.
      answer.close();
      throw timedOut(what, null);
    }
    return new GuardedResponse(answer, what);
  }

  private EngineUnavailable timedOut(String what, Exception cause) {
    return new EngineUnavailable("did not answer within " + EngineUnavailable.seconds(response) + " (" + what + ")", cause);
  }

  private static IOException ioCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException io) {
        return io;
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    watchdog.close();
    delegate.close();
  }

  /** A response whose body reads are guarded by the read deadline. */
  private final class GuardedResponse implements Response {
    private final Response delegate;
    private final String what;
    private InputStream body;

    GuardedResponse(Response delegate, String what) {
      this.delegate = delegate;
      this.what = what;
    }

    @Override
    public int getStatusCode() {
      return delegate.getStatusCode();
    }

    @Override
    public Map<String, List<String>> getHeaders() {
      return delegate.getHeaders();
    }

    @Override
    public String getHeader(String name) {
      return delegate.getHeader(name);
    }

    @Override
    public synchronized InputStream getBody() {
      if (body == null) {
        body = new GuardedBody(delegate.getBody(), what);
      }
      return body;
    }

    @Override
    public void close() {
      // docker-java's zerodep response aborts the request here: no read, nothing to guard.
      delegate.close();
    }
  }

  private final class GuardedBody extends FilterInputStream {
    private final String what;

    GuardedBody(InputStream in, String what) {
      super(in);
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      Watchdog.Guard guard = watchdog.arm(read);
      int b;
      try {
        b = in.read();
      } catch (IOException | RuntimeException e) {
        if (guard.disarm()) {
          throw stalled(e);
        }
        throw e;
      }
      if (guard.disarm()) {
        throw stalled(null); // read just as the deadline passed: the connection may be closed
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      Watchdog.Guard guard = watchdog.arm(read);
      int n;
      try {
        n = in.read(buffer, offset, length);
      } catch (IOException | RuntimeException e) {
        if (guard.disarm()) {
          throw stalled(e);
        }
        throw e;
      }
      if (guard.disarm()) {
        throw stalled(null); // read just as the deadline passed: the connection may be closed
      }
      return n;
    }

    /** A read that the deadline ended. */
    private EngineUnavailable stalled(Exception e) {
      return new EngineUnavailable("sent nothing for " + EngineUnavailable.seconds(read) + " (" + what + ")", e);
    }
  }

  /**
   * Interrupts a thread that is still inside a guarded call at its deadline. One daemon thread per
   * client, started on first use and ended by {@link #close}; it sleeps until the nearest deadline.
   */
  static final class Watchdog {
    private final List<Guard> armed = new ArrayList<>();
    private Thread thread;
    private boolean closed;

    /** One guarded call of the current thread. */
    final class Guard {
      private final Thread owner = Thread.currentThread();
      private final long end;
      private boolean expired;

      private Guard(long end) {
        this.end = end;
      }

      /**
       * Ends the guard; true when the deadline passed first. The interrupt that the watchdog sent
       * is then cleared, so it cannot break a later call of this thread.
       */
      boolean disarm() {
        synchronized (Watchdog.this) {
          armed.remove(this);
          if (expired) {
            Thread.interrupted();
          }
          return expired;
        }
      }
    }

    synchronized Guard arm(Duration timeout) {
      Guard guard = new Guard(System.nanoTime() + timeout.toNanos());
      armed.add(guard);
      if (thread == null && !closed) {
        thread = new Thread(this::watch, "docker-deadlines");
        thread.setDaemon(true);
        thread.start();
      }
      notifyAll();
      return guard;
    }

    private synchronized void watch() {
      while (!closed) {
        long now = System.nanoTime();
        long wait = Long.MAX_VALUE;
        for (Iterator<Guard> it = armed.iterator(); it.hasNext(); ) {
          Guard guard = it.next();
          long left = guard.end - now;
          if (left <= 0) {
            // Under the lock: a guard is either disarmed before this or interrupted while armed.
            guard.expired = true;
            guard.owner.interrupt();
            it.remove();
          } else {
            wait = Math.min(wait, left);
          }
        }
        try {
          if (wait == Long.MAX_VALUE) {
            wait();
          } else {
            TimeUnit.NANOSECONDS.timedWait(this, wait);
          }
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    synchronized void close() {
      closed = true;
      notifyAll();
    }
  }
}
