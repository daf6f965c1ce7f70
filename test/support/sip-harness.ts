/**
 * Test support for the SIP layer: a pino logger that captures its lines, a raw UDP peer that
 * sends and records datagrams, a bounded `waitFor`, and a registry that closes everything a
 * test opened.
 */
import dgram from 'node:dgram';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../src/core/index.js';

/** A logger whose JSON lines are kept in memory. */
export interface CapturedLogger {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
}

/** Creates a logger that records every line at `level` and above. */
export function captureLogger(level: pino.LevelWithSilent = 'debug'): CapturedLogger {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim().length > 0) {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
      }
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** Polls `predicate` every 5 ms until it is true or `timeoutMs` passes (then throws). */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 3000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A datagram a {@link RawPeer} received, with its arrival time. */
export interface RawDatagram {
  readonly text: string;
  readonly at: number;
  readonly from: { address: string; port: number };
}

/** A plain UDP socket that records what it receives; optionally answers via a handler. */
export class RawPeer {
  readonly received: RawDatagram[] = [];
  readonly #socket: dgram.Socket;
  onDatagram: ((d: RawDatagram, peer: RawPeer) => void) | undefined;

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on('message', (data, rinfo) => {
      const d = {
        text: data.toString('latin1'),
        at: performance.now(),
        from: { address: rinfo.address, port: rinfo.port },
      };
      this.received.push(d);
      this.onDatagram?.(d, this);
    });
    socket.on('error', () => undefined);
  }

  /** Binds a raw peer on `address`, port 0. */
  static async bind(address = '127.0.0.1'): Promise<RawPeer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RawPeer(socket);
  }

  get address(): string {
    return this.#socket.address().address;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Sends raw bytes to `port` at `address`. */
  send(data: Buffer | string, port: number, address = '127.0.0.1'): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    return new Promise((resolve, reject) => {
      this.#socket.send(buf, port, address, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** Datagrams received whose first line starts with `prefix`. */
  starting(prefix: string): RawDatagram[] {
    return this.received.filter((d) => d.text.startsWith(prefix));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** Collects things to close and closes them all (in reverse order), ignoring failures. */
export class Closer {
  #items: { close(): Promise<void> | void }[] = [];

  add<T extends { close(): Promise<void> | void }>(item: T): T {
    this.#items.push(item);
    return item;
  }

  async closeAll(): Promise<void> {
    const items = this.#items.reverse();
    this.#items = [];
    for (const item of items) {
      try {
        await item.close();
      } catch {
        // Teardown continues with the next item.
      }
    }
  }
}

/** Builds a minimal valid request text for raw sends. */
export function rawRequest(
  method: string,
  uri: string,
  from: { address: string; port: number },
  extra: {
    callId?: string;
    cseq?: number;
    branch?: string;
    toTag?: string;
    body?: string;
    headers?: string[];
  } = {},
): string {
  const body = extra.body ?? '';
  const lines = [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${from.address}:${from.port};branch=${extra.branch ?? `z9hG4bK${Math.random().toString(36).slice(2)}`};rport`,
    'Max-Forwards: 70',
    `From: <sip:raw@${from.address}:${from.port}>;tag=raw1`,
    `To: <${uri}>${extra.toTag === undefined ? '' : `;tag=${extra.toTag}`}`,
    `Call-ID: ${extra.callId ?? `${Math.random().toString(36).slice(2)}@raw`}`,
    `CSeq: ${extra.cseq ?? 1} ${method}`,
    `Contact: <sip:raw@${from.address}:${from.port}>`,
    ...(extra.headers ?? []),
    ...(body.length > 0 ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

/** The status code of a raw response text, or -1. */
export function statusOf(text: string): number {
  const m = /^SIP\/2\.0 (\d{3}) /.exec(text);
  return m?.[1] === undefined ? -1 : Number(m[1]);
}
