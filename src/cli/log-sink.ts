/**
 * Where the root logger's lines go, so that logging can never stop a run: a bounded queue in
 * front of a file descriptor opened non-blocking, written asynchronously one chunk at a time.
 * A sink that blocks (a pipe or FIFO nobody reads), fills (a full disk) or fails (the reader
 * went away) costs lines, which are dropped and counted, never a hang: not at start (a FIFO
 * with no reader is not waited for), not while running (the queue is bounded and no write
 * blocks the event loop), not at exit (closing waits a bounded time).
 *
 * This file must not know which components log nor what: it moves lines to a descriptor.
 */
import { constants, fstatSync, openSync, write, close as closeFd } from 'node:fs';
import { isatty } from 'node:tty';

/** What a sink did, for the one line the command prints when lines were lost. */
export interface LogSinkReport {
  /** Lines written. */
  readonly written: number;
  /** Lines dropped: the queue was full, the sink failed, or closing ran out of time. */
  readonly dropped: number;
  /** The first error of the sink (opening or writing), if any. */
  readonly error: string | null;
}

/** Options of a {@link LogSink}. */
export interface LogSinkOptions {
  /** Bytes queued at most while the descriptor does not take them (default 4 MiB). */
  readonly maxQueuedBytes?: number;
  /** How long `close` waits for the queue to drain (default 1 s). */
  readonly closeTimeoutMs?: number;
}

/** How long to wait before writing again to a descriptor that said it is full (EAGAIN). */
const RETRY_MS = 50;
/** Bytes written at most in one write call. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Opens a log file for appending without ever blocking: a FIFO nobody reads fails at once
 * (ENXIO) instead of waiting for a reader, and writes to a full pipe fail with EAGAIN.
 * Returns the descriptor, or the error.
 */
export function openLogFile(path: string): number | Error {
  try {
    return openSync(
      path,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK,
      0o644,
    );
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/**
 * A descriptor for the process's standard error that never blocks: a pipe or FIFO is opened
 * again through /proc (Linux) with a non-blocking open file description of its own, so that
 * `process.stderr` keeps its own mode; a terminal or a file is used as it is. Null when the
 * standard error is something else (a socket): the caller writes through its stream instead.
 */
export function stderrDescriptor(): { readonly fd: number; readonly owned: boolean } | null {
  try {
    if (isatty(2)) {
      return { fd: 2, owned: false };
    }
    const st = fstatSync(2);
    if (st.isFile()) {
      return { fd: 2, owned: false };
    }
    if (st.isFIFO() && process.platform === 'linux') {
      return {
        fd: openSync('/proc/self/fd/2', constants.O_WRONLY | constants.O_NONBLOCK),
        owned: true,
      };
    }
  } catch {
    // No usable standard error: the caller falls back to the stream.
  }
  return null;
}

/**
 * A bounded, lossy queue of log lines in front of a descriptor (pino's destination). `write`
 * never blocks and never throws.
 */
export class LogSink {
  readonly #fd: number | null;
  readonly #owned: boolean;
  readonly #max: number;
  readonly #closeTimeoutMs: number;
  #queue: string[] = [];
  #queuedBytes = 0;
  /** A chunk being written, or waiting to be written again. */
  #pending: Buffer | null = null;
  #writing = false;
  #retry: NodeJS.Timeout | undefined;
  #pendingLines = 0;
  #written = 0;
  #dropped = 0;
  #error: string | null;
  /** No more lines are taken: closing, or the descriptor failed for good. */
  #closed = false;
  #closing = false;
  #drained: (() => void) | null = null;

  /**
   * @param target - The descriptor (owned: closed with the sink), or the error that kept it
   *   from opening: every line is then dropped and counted.
   */
  constructor(
    target: { readonly fd: number; readonly owned: boolean } | Error,
    options: LogSinkOptions = {},
  ) {
    this.#fd = target instanceof Error ? null : target.fd;
    this.#owned = target instanceof Error ? false : target.owned;
    this.#error = target instanceof Error ? target.message : null;
    this.#max = options.maxQueuedBytes ?? 4 * 1024 * 1024;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 1000;
  }

  /** Queues one line (pino calls this with each serialized line). */
  write(line: string): boolean {
    if (this.#closed || this.#fd === null || this.#queuedBytes + line.length > this.#max) {
      this.#dropped++;
      return true;
    }
    this.#queue.push(line);
    this.#queuedBytes += line.length;
    this.#pump();
    return true;
  }

  /** What the sink did so far. */
  report(): LogSinkReport {
    return { written: this.#written, dropped: this.#dropped, error: this.#error };
  }

  /**
   * Writes what it can of the queue within the close timeout, drops the rest, and closes an
   * owned descriptor. Never rejects.
   */
  async close(): Promise<LogSinkReport> {
    if (!this.#closing) {
      this.#closing = true;
      this.#closed = true;
      if (this.#writing || this.#queue.length > 0 || this.#pending) {
        await new Promise<void>((resolve) => {
          // Referenced: the process waits this long for the last lines, no longer.
          const timer = setTimeout(resolve, this.#closeTimeoutMs);
          this.#drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      clearTimeout(this.#retry);
      this.#dropped += this.#queue.length + (this.#pending ? this.#pendingLines : 0);
      this.#queue = [];
      this.#pending = null;
      if (this.#owned && this.#fd !== null && !this.#writing) {
        closeFd(this.#fd, () => undefined);
      }
    }
    return this.report();
  }

  #pump(): void {
    if (this.#writing || this.#retry !== undefined || this.#fd === null) {
      return;
    }
    if (this.#pending === null) {
      if (this.#queue.length === 0) {
        this.#drained?.();
        return;
      }
      let bytes = 0;
      let n = 0;
      while (n < this.#queue.length && (n === 0 || bytes < CHUNK_BYTES)) {
        bytes += this.#queue[n]!.length;
        n++;
      }
      const lines = this.#queue.splice(0, n);
      this.#queuedBytes -= bytes;
      this.#pending = Buffer.from(lines.join(''), 'utf8');
      this.#pendingLines = n;
    }
    this.#writing = true;
    const chunk = this.#pending;
    write(this.#fd, chunk, 0, chunk.length, null, (err, n) => {
      this.#writing = false;
      if (err) {
        this.#failed(err);
        return;
      }
      if (n < chunk.length) {
        this.#pending = chunk.subarray(n);
      } else {
        this.#pending = null;
        this.#written += this.#pendingLines;
        this.#pendingLines = 0;
      }
      this.#pump();
    });
  }

  #failed(err: NodeJS.ErrnoException): void {
    if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') {
      // The reader is slow or gone to sleep: try again shortly; the queue bounds the cost.
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        this.#pump();
      }, RETRY_MS);
      this.#retry.unref();
      return;
    }
    // A full disk, a reader that went away: lines from now on are dropped.
    this.#error ??= err.message;
    this.#dropped += this.#queue.length + this.#pendingLines;
    this.#pendingLines = 0;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#pending = null;
    this.#closed = true;
    this.#drained?.();
  }
}

/**
 * The same bounded, lossy queue in front of a writable stream (an embedder's or a test's
 * standard error, a socket): a line waits while the stream asks to (`write` returned false,
 * until 'drain'), and lines beyond the bound are dropped and counted.
 */
export class StreamLogSink {
  readonly #stream: NodeJS.WritableStream;
  readonly #max: number;
  #queue: string[] = [];
  #queuedBytes = 0;
  #waiting = false;
  #written = 0;
  #dropped = 0;
  #closed = false;

  constructor(stream: NodeJS.WritableStream, options: LogSinkOptions = {}) {
    this.#stream = stream;
    this.#max = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  }

  /** Queues one line; never blocks, never throws. */
  write(line: string): boolean {
    if (this.#closed || this.#queuedBytes + line.length > this.#max) {
      this.#dropped++;
      return true;
    }
    this.#queue.push(line);
    this.#queuedBytes += line.length;
    this.#flush();
    return true;
  }

  #flush(): void {
    while (!this.#waiting && this.#queue.length > 0) {
      const line = this.#queue.shift()!;
      this.#queuedBytes -= line.length;
      this.#written++;
      let ok = true;
      try {
        ok = this.#stream.write(line);
      } catch {
        this.#dropped++;
        continue;
      }
      if (!ok) {
        this.#waiting = true;
        this.#stream.once('drain', () => {
          this.#waiting = false;
          this.#flush();
        });
      }
    }
  }

  /** Drops what is still queued; the stream stays open (it is not the sink's). */
  close(): Promise<LogSinkReport> {
    this.#closed = true;
    this.#dropped += this.#queue.length;
    this.#queue = [];
    return Promise.resolve({ written: this.#written, dropped: this.#dropped, error: null });
  }
}

/** Status lines to standard error that never block (progress, "wrote FILE"). */
export interface StatusWriter {
  write(text: string): void;
  close(): Promise<void>;
}

/**
 * A command's status lines to its standard error, written the way log lines are: on the
 * process's own standard error through a non-blocking descriptor of its own (a pipe nobody
 * reads costs lines, not the run); an embedder's stream as it is.
 */
export function statusWriter(stderr: NodeJS.WritableStream): StatusWriter {
  const own = stderr === process.stderr ? stderrDescriptor() : null;
  if (own === null || own.fd === 2) {
    return {
      write: (text) => {
        stderr.write(text);
      },
      close: () => Promise.resolve(),
    };
  }
  const sink = new LogSink(own, { maxQueuedBytes: 64 * 1024 });
  return {
    write: (text) => {
      sink.write(text);
    },
    close: async () => {
      await sink.close();
    },
  };
}
