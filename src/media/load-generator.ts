/**
 * The load generator and sink for relay load tests and benchmarks.
 *
 * It emulates the two ends of many G.711 calls: for call i, side A sends 50 packets/s to
 * the relay's leg A and side B sends 50 packets/s to leg B; each side receives the other's
 * stream back from the relay. The relay thus sees the realistic shape of a Mediation
 * Server: two sockets per call, 50 packets/s on each. The generator itself sends from a
 * small pool of sockets per side (calls share them round-robin) so that it stays cheaper
 * per packet than the relay it drives.
 *
 * Send times are spread evenly over the 20 ms packet interval, and packets are sent from
 * one coarse timer. Each packet carries its send time and stream number:
 *
 * ```
 * +---------------------------+------------------------------+------------------+
 * | RTP header (12 bytes)     | send time, float64 ms (8)    | stream, u32 (4)  | ...160 bytes
 * +---------------------------+------------------------------+------------------+
 * ```
 *
 * The receiving side computes one-way latency into one HDR histogram and counts packets per
 * stream. The generator normally runs in its own process (see {@link spawnLoadGenerator})
 * pinned to a different core than the relay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { literalLookup } from '../core/index.js';
import type { TransportAddress } from './relay-types.js';

/** Packets per second per stream (G.711 with 20 ms packets). */
export const PACKETS_PER_SECOND = 50;
const INTERVAL_MS = 1000 / PACKETS_PER_SECOND;
const PACKET_BYTES = 12 + 160;
/** Buffers in the send ring; a buffer is rewritten only after this many later sends. */
const SEND_RING = 8192;
/** Most packets sent in one timer tick, to keep each tick bounded. */
const MAX_SENDS_PER_TICK = 20_000;
const TICK_MS = 1;

/** How the generator binds. */
export interface GeneratorPrepare {
  /** Sockets per side (default 32). */
  readonly socketsPerSide?: number | undefined;
  /** Address of side A sockets (default 127.0.0.1). */
  readonly bindAddressA?: string | undefined;
  /** Address of side B sockets (default 127.0.0.1). */
  readonly bindAddressB?: string | undefined;
  /** SO_RCVBUF of each generator socket (default 4 MiB, capped by the kernel). */
  readonly socketBufferBytes?: number | undefined;
}

/** The generator's sockets, to signal as the relay legs' peers. */
export interface GeneratorAddresses {
  readonly a: readonly TransportAddress[];
  readonly b: readonly TransportAddress[];
}

/** One run: where each call's two streams go, and for how long. */
export interface GeneratorRun {
  /** Per call: the relay's leg A and leg B addresses. */
  readonly calls: readonly { readonly a: TransportAddress; readonly b: TransportAddress }[];
  readonly durationMs: number;
  /** Latency is recorded only after this long (default 1000 ms). */
  readonly warmupMs?: number | undefined;
  /** Time to wait after the last send for packets still in flight (default 500 ms). */
  readonly drainMs?: number | undefined;
}

/** Figures of one run. */
export interface GeneratorResult {
  readonly calls: number;
  readonly streams: number;
  readonly durationMs: number;
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  readonly lossRatio: number;
  /** Calls whose both streams delivered at least one packet. */
  readonly callsCarried: number;
  /** Latency over all streams after warm-up, in milliseconds. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p99: number;
    readonly p999: number;
    readonly max: number;
    readonly samples: number;
  };
  /** Worst lateness of the generator's own schedule, in milliseconds. */
  readonly maxLagMs: number;
  /** CPU time of the generator process during the run, in milliseconds. */
  readonly cpuMs: number;
  /** Packets received that were not ours (wrong length or stream number). */
  readonly foreign: number;
}

/** A progress sample during a run. */
export interface GeneratorProgress {
  readonly elapsedMs: number;
  readonly sent: number;
  readonly received: number;
}

/** The generator and sink, in the current thread. */
export class LoadGenerator {
  readonly #a: dgram.Socket[] = [];
  readonly #b: dgram.Socket[] = [];
  readonly #ring: Buffer[] = [];
  #ringIndex = 0;
  #streamCount = 0;
  #targetPort = new Int32Array(0);
  #targetAddress: string[] = [];
  #sockets: dgram.Socket[] = [];
  #seq = new Uint16Array(0);
  #ts = new Uint32Array(0);
  #received = new Float64Array(0);
  #sent = 0;
  #receivedTotal = 0;
  #foreign = 0;
  #histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  #recordFrom = Infinity;
  #running = false;
  readonly #onMessage = (msg: Buffer): void => {
    this.#receive(msg);
  };

  /**
   * Binds the generator's sockets.
   *
   * @throws Error when a socket cannot be bound.
   */
  async prepare(options: GeneratorPrepare = {}): Promise<GeneratorAddresses> {
    const k = options.socketsPerSide ?? 32;
    const bufferBytes = options.socketBufferBytes ?? 4 * 1024 * 1024;
    const bindOne = async (address: string): Promise<dgram.Socket> => {
      const s = dgram.createSocket({
        type: 'udp4',
        lookup: literalLookup,
        recvBufferSize: bufferBytes,
        sendBufferSize: bufferBytes,
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(0, address, () => {
          s.off('error', reject);
          resolve();
        });
      });
      s.on('message', this.#onMessage);
      s.on('error', () => {
        // Send errors (a full buffer) show up as loss; nothing else is expected here.
      });
      return s;
    };
    for (let i = 0; i < k; i++) {
      this.#a.push(await bindOne(options.bindAddressA ?? '127.0.0.1'));
      this.#b.push(await bindOne(options.bindAddressB ?? '127.0.0.1'));
    }
    for (let i = 0; i < SEND_RING; i++) {
      const b = Buffer.alloc(PACKET_BYTES, 0xff);
      b[0] = 0x80;
      b[1] = 0;
      this.#ring.push(b);
    }
    const addr = (s: dgram.Socket): TransportAddress => {
      const a = s.address();
      return { address: a.address, port: a.port };
    };
    return { a: this.#a.map(addr), b: this.#b.map(addr) };
  }

  /** The generator socket call `i` uses on side A and side B. */
  socketIndexOf(call: number): number {
    return call % this.#a.length;
  }

  /**
   * Runs the streams for `durationMs`, then waits `drainMs` for late packets.
   *
   * @param onProgress - Called about once a second.
   */
  async run(
    run: GeneratorRun,
    onProgress?: (p: GeneratorProgress) => void,
    signal?: AbortSignal,
  ): Promise<GeneratorResult> {
    if (this.#running) {
      throw new Error('a run is already in progress');
    }
    this.#running = true;
    const n = run.calls.length * 2;
    this.#streamCount = n;
    this.#targetPort = new Int32Array(n);
    this.#targetAddress = new Array<string>(n);
    this.#sockets = new Array<dgram.Socket>(n);
    this.#seq = new Uint16Array(n);
    this.#ts = new Uint32Array(n);
    this.#received = new Float64Array(n);
    this.#sent = 0;
    this.#receivedTotal = 0;
    this.#foreign = 0;
    this.#histogram.reset();
    for (let c = 0; c < run.calls.length; c++) {
      const call = run.calls[c]!;
      const k = this.socketIndexOf(c);
      // Stream 2c goes A -> relay leg A -> B; stream 2c+1 goes B -> relay leg B -> A.
      this.#targetPort[2 * c] = call.a.port;
      this.#targetAddress[2 * c] = call.a.address;
      this.#sockets[2 * c] = this.#a[k]!;
      this.#targetPort[2 * c + 1] = call.b.port;
      this.#targetAddress[2 * c + 1] = call.b.address;
      this.#sockets[2 * c + 1] = this.#b[k]!;
      this.#seq[2 * c] = (c * 7919) & 0xffff;
      this.#seq[2 * c + 1] = (c * 104729) & 0xffff;
    }
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    this.#recordFrom = start + (run.warmupMs ?? 1000);
    const end = start + run.durationMs;
    let k = 0;
    let maxLag = 0;
    let lastProgress = start;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        if (now >= end || signal?.aborted === true) {
          clearInterval(timer);
          resolve();
          return;
        }
        // Packet k belongs to stream k % n and is due at start + round * 20 ms plus the
        // stream's phase (its share of the interval).
        let sends = 0;
        while (sends < MAX_SENDS_PER_TICK) {
          const stream = k % n;
          const due = start + Math.floor(k / n) * INTERVAL_MS + (stream * INTERVAL_MS) / n;
          if (due > now || due >= end) {
            break;
          }
          if (now - due > maxLag) {
            maxLag = now - due;
          }
          this.#send(stream);
          k++;
          sends++;
        }
        if (onProgress !== undefined && now - lastProgress >= 1000) {
          lastProgress = now;
          onProgress({
            elapsedMs: now - start,
            sent: this.#sent,
            received: this.#receivedTotal,
          });
        }
      }, TICK_MS);
    });
    const drainMs = run.drainMs ?? 500;
    // Wait for the tail: stop early once everything sent has arrived.
    const drainEnd = performance.now() + drainMs;
    while (performance.now() < drainEnd && this.#receivedTotal < this.#sent) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const cpu = process.cpuUsage(cpuStart);
    let carried = 0;
    for (let c = 0; c < run.calls.length; c++) {
      if (this.#received[2 * c]! > 0 && this.#received[2 * c + 1]! > 0) {
        carried++;
      }
    }
    const h = this.#histogram;
    const lost = Math.max(0, this.#sent - this.#receivedTotal);
    this.#running = false;
    return {
      calls: run.calls.length,
      streams: n,
      durationMs: run.durationMs,
      sent: this.#sent,
      received: this.#receivedTotal,
      lost,
      lossRatio: this.#sent === 0 ? 0 : lost / this.#sent,
      callsCarried: carried,
      latencyMs: {
        p50: h.count === 0 ? 0 : h.percentile(50) / 1000,
        p99: h.count === 0 ? 0 : h.percentile(99) / 1000,
        p999: h.count === 0 ? 0 : h.percentile(99.9) / 1000,
        max: h.count === 0 ? 0 : h.max / 1000,
        samples: h.count,
      },
      maxLagMs: maxLag,
      cpuMs: (cpu.user + cpu.system) / 1000,
      foreign: this.#foreign,
    };
  }

  /** Closes every socket. Idempotent. */
  close(): void {
    for (const s of [...this.#a, ...this.#b]) {
      try {
        s.close();
      } catch {
        // Already closed.
      }
    }
    this.#a.length = 0;
    this.#b.length = 0;
  }

  #send(stream: number): void {
    const buf = this.#ring[this.#ringIndex]!;
    this.#ringIndex = (this.#ringIndex + 1) & (SEND_RING - 1);
    const seq = this.#seq[stream]!;
    const ts = this.#ts[stream]!;
    buf[2] = seq >> 8;
    buf[3] = seq & 0xff;
    buf.writeUInt32BE(ts, 4);
    buf.writeUInt32BE(stream + 1, 8);
    buf.writeDoubleBE(performance.timeOrigin + performance.now(), 12);
    buf.writeUInt32BE(stream, 20);
    this.#seq[stream] = seq + 1;
    this.#ts[stream] = ts + 160;
    this.#sockets[stream]!.send(buf, this.#targetPort[stream], this.#targetAddress[stream]);
    this.#sent++;
  }

  #receive(msg: Buffer): void {
    if (msg.length !== PACKET_BYTES) {
      this.#foreign++;
      return;
    }
    const stream = msg.readUInt32BE(20);
    if (stream >= this.#streamCount) {
      this.#foreign++;
      return;
    }
    this.#received[stream]! += 1;
    this.#receivedTotal++;
    const now = performance.now();
    if (now >= this.#recordFrom) {
      const us = Math.round((performance.timeOrigin + now - msg.readDoubleBE(12)) * 1000);
      this.#histogram.record(us < 1 ? 1 : us > 60_000_000 ? 60_000_000 : us);
    }
  }
}

/** Messages from the parent to a generator process. */
export type GeneratorRequest =
  | { readonly op: 'prepare'; readonly options: GeneratorPrepare }
  | { readonly op: 'run'; readonly run: GeneratorRun }
  | { readonly op: 'stop' };

/** Messages from a generator process to the parent. */
export type GeneratorReply =
  | { readonly op: 'prepared'; readonly addresses: GeneratorAddresses }
  | { readonly op: 'progress'; readonly progress: GeneratorProgress }
  | { readonly op: 'result'; readonly result: GeneratorResult }
  | { readonly op: 'error'; readonly message: string };

/** Options of {@link spawnLoadGenerator}. */
export interface SpawnGeneratorOptions {
  /** CPU to pin the generator process to with `taskset` (omitted: no pinning). */
  readonly cpu?: number | undefined;
  /** Longest wait for any single reply (default 120 s). */
  readonly timeoutMs?: number | undefined;
}

/** A generator running in a child process. */
export interface LoadGeneratorProcess {
  readonly pid: number | undefined;
  /** True when the process was started under `taskset`. */
  readonly pinned: boolean;
  prepare(options?: GeneratorPrepare): Promise<GeneratorAddresses>;
  run(run: GeneratorRun, onProgress?: (p: GeneratorProgress) => void): Promise<GeneratorResult>;
  /** Kills the process (SIGTERM, then SIGKILL). Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the generator in a child process, optionally pinned to one CPU.
 *
 * @throws Error when the process cannot be started.
 */
export async function spawnLoadGenerator(
  options: SpawnGeneratorOptions = {},
): Promise<LoadGeneratorProcess> {
  const here = fileURLToPath(import.meta.url);
  const fromTs = here.endsWith('.ts');
  const script = join(
    dirname(here),
    fromTs ? 'load-generator-process.ts' : 'load-generator-process.js',
  );
  const root = join(dirname(here), '..', '..');
  const nodeArgs = [...(fromTs ? ['--import', 'tsx'] : []), script];
  const pinned = options.cpu !== undefined && (await hasTaskset());
  const child: ChildProcess = pinned
    ? spawn('taskset', ['-c', String(options.cpu), process.execPath, ...nodeArgs], {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
    : spawn(process.execPath, nodeArgs, {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
  const timeoutMs = options.timeoutMs ?? 120_000;
  let exited = false;
  const exitWaiters: (() => void)[] = [];
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => {
    exited = true;
    process.off('exit', killOnExit);
    for (const w of exitWaiters) {
      w();
    }
  });
  let listener: ((msg: GeneratorReply) => void) | undefined;
  child.on('message', (msg: GeneratorReply) => listener?.(msg));

  function request<T>(
    msg: GeneratorRequest,
    done: (reply: GeneratorReply) => T | undefined,
    onOther?: (reply: GeneratorReply) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`load generator did not answer ${msg.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onExit = (): void => {
        finish();
        reject(new Error('load generator exited'));
      };
      const finish = (): void => {
        clearTimeout(timer);
        listener = undefined;
        child.off('exit', onExit);
      };
      child.once('exit', onExit);
      listener = (reply) => {
        if (reply.op === 'error') {
          finish();
          reject(new Error(`load generator: ${reply.message}`));
          return;
        }
        const value = done(reply);
        if (value !== undefined) {
          finish();
          resolve(value);
        } else {
          onOther?.(reply);
        }
      };
      if (exited) {
        onExit();
        return;
      }
      child.send(msg);
    });
  }

  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });

  return {
    pid: child.pid,
    pinned,
    prepare: (opts = {}) =>
      request({ op: 'prepare', options: opts }, (r) =>
        r.op === 'prepared' ? r.addresses : undefined,
      ),
    run: (run, onProgress) =>
      request(
        { op: 'run', run },
        (r) => (r.op === 'result' ? r.result : undefined),
        (r) => {
          if (r.op === 'progress') {
            onProgress?.(r.progress);
          }
        },
      ),
    close: async () => {
      if (exited) {
        return;
      }
      const gone = new Promise<void>((resolve) => exitWaiters.push(resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await gone;
      clearTimeout(timer);
    },
  };
}

let tasksetAvailable: Promise<boolean> | undefined;

/** True when `taskset` can be run and the machine has at least two CPUs to pin apart. */
export function hasTaskset(): Promise<boolean> {
  tasksetAvailable ??= new Promise<boolean>((resolve) => {
    const p = spawn('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    p.once('error', () => resolve(false));
    p.once('exit', (code) => resolve(code === 0));
  });
  return tasksetAvailable;
}

/**
 * Pins every thread of the current process (and the threads it starts later) to a CPU or
 * a CPU list (`"0"`, `"0-2"`) with `taskset -a -p`.
 *
 * @returns true when pinned.
 */
export async function pinCurrentProcess(cpu: number | string): Promise<boolean> {
  if (!(await hasTaskset())) {
    return false;
  }
  return new Promise<boolean>((resolve) => {
    const p = spawn('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], {
      stdio: 'ignore',
    });
    p.once('error', () => resolve(false));
    p.once('exit', (code) => resolve(code === 0));
  });
}
