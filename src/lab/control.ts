/**
 * The control channel between the orchestrator and its agents (one process per host): JSON
 * documents, one per line, over a stream socket (a Unix socket in the network-namespace mode,
 * TCP between containers). Requests carry an id and get exactly one reply.
 *
 * ```
 * agent                                   orchestrator
 *   hello {host}                  ---->
 *                                 <----   setup {scenario text, link settings}
 *   ready                         ---->                      (every agent bound)
 *                                 <----   start {t0: wall clock, ms}
 *   request decide / decisionOf   ---->   Bandwidth Policy Service
 *   request relay (on host X)     ---->   forwarded to X's agent, its reply back
 *   finished {call, outcome}      ---->   (the caller's agent)
 *                                 <----   ended {call, outcome}   (to every other agent)
 *   partial {call's partial}      ---->   (serve: each finished call, at once)
 *                                 <----   collect {final}
 *   collected {calls, links, peers}  ->
 *                                 <----   shutdown
 * ```
 *
 * An agent whose channel closes during the run is lost: its calls end as `lost` and the run
 * goes on. An agent for a lost host may join again (the same hello): it gets the setup, binds,
 * and starts with `rejoin` (only calls still to come are placed).
 */
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { CallEndState, LinkObservation, PeerHealth } from '../report/index.js';
import type { Call } from '../scenario/index.js';
import type { CallPartial } from './merge.js';

/** How the orchestrator tells agents about impaired links. */
export interface AgentSetup {
  readonly scenario: { readonly text: string; readonly file: string };
  /**
   * True when link rates are enforced by the kernel (tc tbf in the router namespace): the agent
   * then applies only delay, jitter and loss in user space.
   */
  readonly kernelRates: boolean;
  /**
   * A lab kept up (`serve --net netns`): each finished call's partial is handed over at once
   * (`partial`) and forgotten, instead of at the end.
   */
  readonly serve?: boolean;
}

/** The final outcome of a call. */
export interface CallOutcome {
  readonly call: string;
  readonly state: CallEndState;
  readonly status: number | null;
  readonly reason: string | null;
  /** When it was known, ms from the run's start. */
  readonly at?: number | null;
}

/** A relay operation on another host's relay (allocate, setPeer, stats, close). */
export interface RelayRequest {
  readonly op: 'allocate' | 'setPeer' | 'stats' | 'close';
  readonly args: readonly unknown[];
}

export type Request =
  | {
      readonly kind: 'decide';
      readonly call: string;
      /** A call that is not in the timeline (an outside peer's): its definition. */
      readonly def?: Call;
    }
  | { readonly kind: 'decisionOf'; readonly call: string }
  | { readonly kind: 'release'; readonly call: string }
  | ({ readonly kind: 'relay'; readonly host: string } & RelayRequest);

export type Message =
  | { readonly t: 'hello'; readonly host: string; readonly pid: number }
  | { readonly t: 'setup'; readonly setup: AgentSetup }
  | { readonly t: 'ready' }
  | { readonly t: 'failed'; readonly error: string }
  | {
      readonly t: 'start';
      readonly t0: number;
      /** A host that rejoins a run under way: only the calls still to come are placed. */
      readonly rejoin?: boolean;
      /** Place the timeline's calls (true unless a lab kept up is told otherwise). */
      readonly timeline?: boolean;
    }
  | ({ readonly t: 'finished' } & CallOutcome)
  | ({ readonly t: 'ended' } & CallOutcome)
  | {
      readonly t: 'collect';
      /** The run is over (the default): calls still up end first. False: a report on demand. */
      readonly final?: boolean;
    }
  | { readonly t: 'partial'; readonly partial: CallPartial }
  | {
      readonly t: 'collected';
      readonly calls: readonly CallPartial[];
      readonly links: readonly LinkObservation[];
      /** The gateways' health as this agent's Mediation Server saw it. */
      readonly peers?: readonly PeerHealth[];
    }
  | { readonly t: 'shutdown' }
  | { readonly t: 'request'; readonly id: number; readonly request: Request }
  | {
      readonly t: 'reply';
      readonly id: number;
      readonly ok: boolean;
      readonly value?: unknown;
      readonly error?: string;
    };

type Events = {
  message: [Message];
  close: [];
};

/** Longest line accepted (a collected report of a long run can be a few MiB). */
const MAX_LINE = 256 * 1024 * 1024;

/**
 * One end of the control channel: framing, requests with replies, and every other message as
 * an event. A request whose channel closes is rejected.
 */
export class ControlChannel extends EventEmitter<Events> {
  readonly #socket: Socket;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  #nextId = 1;
  #buffer = '';
  #closed = false;
  /** Answers the other end's requests. */
  onRequest: ((r: Request) => Promise<unknown>) | null = null;

  constructor(socket: Socket) {
    super();
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => {
      this.#receive(chunk);
    });
    socket.on('error', () => {
      // 'close' follows; the owner learns of it there.
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const p of this.#pending.values()) {
        p.reject(new Error('control channel closed'));
      }
      this.#pending.clear();
      this.emit('close');
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(m: Message): void {
    if (!this.#closed) {
      this.#socket.write(`${JSON.stringify(m)}\n`);
    }
  }

  /** Sends a request and resolves with the other end's answer. */
  request<T>(request: Request): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new Error('control channel closed'));
    }
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ t: 'request', id, request });
    });
  }

  close(): void {
    this.#socket.end();
    this.#socket.destroySoon();
  }

  #receive(chunk: string): void {
    this.#buffer += chunk;
    if (this.#buffer.length > MAX_LINE) {
      this.#socket.destroy(new Error('control message too long'));
      return;
    }
    let nl = this.#buffer.indexOf('\n');
    while (nl >= 0) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line.length > 0) {
        this.#dispatch(line);
      }
      nl = this.#buffer.indexOf('\n');
    }
  }

  #dispatch(line: string): void {
    let m: Message;
    try {
      m = JSON.parse(line) as Message;
    } catch {
      this.#socket.destroy(new Error('malformed control message'));
      return;
    }
    if (m.t === 'reply') {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.ok) {
        p?.resolve(m.value);
      } else {
        p?.reject(new Error(m.error ?? 'request failed'));
      }
      return;
    }
    if (m.t === 'request') {
      const handler = this.onRequest;
      const id = m.id;
      void (handler ? handler(m.request) : Promise.reject(new Error('no handler')))
        .then((value) => {
          this.send({ t: 'reply', id, ok: true, value: value ?? null });
        })
        .catch((e: unknown) => {
          this.send({
            t: 'reply',
            id,
            ok: false,
            error: e instanceof Error ? e.message : String(e),
          });
        });
      return;
    }
    this.emit('message', m);
  }
}

/**
 * A control address: `unix:/path/to.sock`, a path starting with `/`, or `host:port`.
 */
export function parseControlAddress(
  text: string,
): { readonly path: string } | { readonly host: string; readonly port: number } {
  if (text.startsWith('unix:')) {
    return { path: text.slice(5) };
  }
  if (text.startsWith('/')) {
    return { path: text };
  }
  const m = /^(.*):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) {
    throw new TypeError(`control address must be unix:PATH or HOST:PORT, got "${text}"`);
  }
  return { host: m[1] || '127.0.0.1', port };
}

/** How long one connection attempt may take. */
const ATTEMPT_MS = 2000;

/** Connects to the orchestrator, retrying until it listens (containers start in any order). */
export async function connectControl(address: string, timeoutMs: number): Promise<ControlChannel> {
  const where = parseControlAddress(address);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const s = 'path' in where ? connect(where.path) : connect(where.port, where.host);
        // One attempt may hang (a listener that died with connections queued): give it up.
        const giveUp = setTimeout(() => {
          s.destroy();
          reject(new Error('connection attempt timed out'));
        }, ATTEMPT_MS);
        s.once('connect', () => {
          clearTimeout(giveUp);
          s.removeAllListeners('error');
          resolve(s);
        });
        s.once('error', (e) => {
          clearTimeout(giveUp);
          reject(e);
        });
      });
      return new ControlChannel(socket);
    } catch (e) {
      if (Date.now() >= deadline) {
        throw new Error(
          `cannot reach the orchestrator at ${address}: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
