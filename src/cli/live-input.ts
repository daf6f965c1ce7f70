/**
 * What a lab kept up (`serve`, a live lab) takes while it runs: Ctrl-C or `quit` on standard
 * input stops it, SIGUSR1 or `report` writes the report and goes on, `call FROM TO [SECONDS]`
 * places a call of emulated hosts now (its kind follows from the parties).
 *
 * This file must not know how a call is placed or how the report is written: it is handed both.
 */
import { createInterface } from 'node:readline';
import { PLAIN_CALL_OPTIONS, type Call, type Scenario } from '../scenario/index.js';
import type { CliIO } from './io.js';
import type { StatusWriter } from './log-sink.js';
import { UsageError } from './usage.js';

/** A call placed on demand, before the lab gives it an id and a time. */
export type OnDemandCall = Omit<Call, 'id' | 'atMs' | 'index'>;

/** What {@link runUntilStopped} is given. */
export interface UntilStopped {
  readonly scenario: Scenario;
  /** Ctrl-C. */
  readonly signal: AbortSignal;
  readonly io: CliIO;
  readonly status: StatusWriter;
  /** Places a call now and returns its id; null where calls are not placed on demand. */
  readonly place: ((call: OnDemandCall) => string) | null;
  /** Writes the report now; the lab goes on. */
  readonly reportNow: () => Promise<void>;
  /** Stops the lab by itself when it resolves (a live lab's last round is over). */
  readonly done?: Promise<void>;
}

/**
 * Serves until Ctrl-C, `quit` or `done`, writing the report on SIGUSR1 or `report`, and placing
 * calls asked for on standard input (`call FROM TO [SECONDS]`).
 */
export async function runUntilStopped(o: UntilStopped): Promise<void> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
    if (o.signal.aborted) {
      resolve();
    }
    o.signal.addEventListener('abort', () => resolve(), { once: true });
    void o.done?.then(() => resolve());
  });
  const onUsr1 = (): void => {
    void o.reportNow().catch((e: unknown) => {
      o.status.write(`cannot write the report: ${e instanceof Error ? e.message : String(e)}\n`);
    });
  };
  process.on('SIGUSR1', onUsr1);
  // The process's own standard input when it runs as the command (the launcher passes none).
  const stdin = o.io.stdin ?? (o.io.stdout === process.stdout ? process.stdin : undefined);
  const input = stdin === undefined ? null : createInterface({ input: stdin });
  input?.on('line', (line) => {
    const words = line.trim().split(/\s+/);
    if (words[0] === 'quit') {
      stop();
    } else if (words[0] === 'report') {
      onUsr1();
    } else if (words[0] === 'call' && words[1] !== undefined && words[2] !== undefined) {
      try {
        if (!o.place) {
          throw new UsageError('calls are placed on demand on loopback only');
        }
        const id = o.place(onDemandCall(o.scenario, words[1], words[2], Number(words[3] ?? 5)));
        o.status.write(`placed ${id}: ${words[1]} -> ${words[2]}\n`);
      } catch (e) {
        o.status.write(`cannot place that call: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    } else if (words[0] !== '') {
      o.status.write('commands: report, call FROM TO [SECONDS], quit\n');
    }
  });
  try {
    await stopped;
  } finally {
    process.removeListener('SIGUSR1', onUsr1);
    input?.close();
  }
}

/**
 * A call placed on demand between hosts of the scenario; its kind follows from the parties.
 * @throws {UsageError} when the caller is no client or gateway of the scenario.
 */
export function onDemandCall(s: Scenario, from: string, to: string, seconds: number): OnDemandCall {
  const clients = new Set(s.hosts.clients.map((c) => c.name));
  const gateways = new Set(s.hosts.gateways.map((g) => g.name));
  if (!clients.has(from) && !gateways.has(from)) {
    throw new UsageError(`${from} is no client or gateway of the scenario`);
  }
  const kind = gateways.has(from) ? 'inbound-pstn' : gateways.has(to) ? 'outbound-pstn' : 'p2p';
  return {
    kind,
    from,
    to,
    trunk: kind === 'inbound-pstn' ? from : kind === 'outbound-pstn' ? to : null,
    number: null,
    durationMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 5000,
    codec: null,
    modality: 'audio',
    expect: null,
    ...PLAIN_CALL_OPTIONS,
  };
}
