/**
 * Joins what each process of a run saw of each call (its `CallPartial`s) into the report's
 * input, the same in every mode: media and SIP messages of all hosts, the final outcome, the
 * decision.
 *
 * It must not know sockets, processes or how hosts handle calls: it only merges records.
 */
import type { CallDecision } from '../policy/index.js';
import type {
  CallEndState,
  HostDrop,
  LegView,
  LinkObservation,
  ReceivedStream,
  RunCallInput,
  SipLogEntry,
} from '../report/index.js';
import type { Call } from '../scenario/index.js';

/** What one process saw of one call: its hosts' media, relay sessions and SIP messages. */
export interface CallPartial {
  readonly callId: string;
  /** The final outcome, when this process placed the call (or learnt how it ended). */
  readonly state: CallEndState | null;
  readonly finalStatus: number | null;
  readonly finalReason: string | null;
  /** When this process saw the final outcome, ms from the start (absent: unknown). */
  readonly endedAt?: number | null;
  readonly received: readonly ReceivedStream[];
  readonly drops: readonly HostDrop[];
  readonly sip: readonly SipLogEntry[];
  /** Packets each media endpoint of the call sent, by host. */
  readonly sent: Readonly<Record<string, number>>;
  /** What each end of the call's dialogs on this process's hosts saw. */
  readonly legs?: readonly LegView[];
}

/**
 * Joins what every process saw of each call into the report's input: media and SIP messages of
 * all hosts (SIP in time order), the final outcome from the process that has one, the decision
 * from the policy service.
 */
export function mergeCallPartials(
  calls: readonly Call[],
  byProcess: readonly (readonly CallPartial[])[],
  decisionOf: (call: Call) => CallDecision,
  outcomeOf: (callId: string) =>
    | {
        state: CallEndState;
        status: number | null;
        reason: string | null;
        at?: number | null;
      }
    | undefined = () => undefined,
): RunCallInput[] {
  const parts = new Map<string, CallPartial[]>();
  for (const list of byProcess) {
    for (const p of list) {
      const l = parts.get(p.callId) ?? [];
      l.push(p);
      parts.set(p.callId, l);
    }
  }
  return calls.map((call) => {
    const mine = parts.get(call.id) ?? [];
    const placed = mine.find((p) => p.state !== null);
    const outcome =
      outcomeOf(call.id) ??
      (placed?.state
        ? {
            state: placed.state,
            status: placed.finalStatus,
            reason: placed.finalReason,
            at: placed.endedAt ?? null,
          }
        : undefined);
    const sent: Record<string, number> = {};
    for (const p of mine) {
      for (const [host, n] of Object.entries(p.sent)) {
        sent[host] = (sent[host] ?? 0) + n;
      }
    }
    const sip: SipLogEntry[] = mine.flatMap((p) => p.sip);
    sip.sort((a, b) => a.t - b.t);
    const legs = mine.flatMap((p) => p.legs ?? []);
    return {
      call,
      decision: decisionOf(call),
      finalStatus: outcome?.status ?? null,
      finalReason: outcome?.reason ?? null,
      state: settledState(outcome?.state ?? 'failed', legs),
      endedAt: outcome?.at ?? null,
      media: {
        received: mine.flatMap((p) => p.received),
        drops: mine.flatMap((p) => p.drops),
      },
      sip,
      sent,
      legs,
    };
  });
}

/**
 * The call's state once its legs are known: a call one of whose dialogs was still up somewhere
 * when the run ended while another end had already ended did not end together:
 * `legs-disagree`, whatever the caller saw. A call still up everywhere keeps its state (the run
 * ended first: `timeout`, or `cancelled` on Ctrl-C); a host that was lost keeps `lost`.
 */
export function settledState(state: CallEndState, legs: readonly LegView[]): CallEndState {
  if (state === 'lost') {
    return state;
  }
  const open = legs.some((l) => l.answered && l.end === 'open');
  const ended = legs.some((l) => l.end !== 'open');
  return open && ended ? 'legs-disagree' : state;
}

/**
 * Joins the link figures of several processes (each applies the impairments to what it sends):
 * counters add up; delay mean and spread are pooled over the delivered datagrams.
 */
export function mergeLinkObservations(
  byProcess: readonly (readonly LinkObservation[])[],
): LinkObservation[] {
  const out = new Map<string, LinkObservation>();
  for (const list of byProcess) {
    for (const l of list) {
      const seen = out.get(l.name);
      if (!seen) {
        out.set(l.name, l);
        continue;
      }
      const a = seen.measured;
      const b = l.measured;
      const n = a.delivered + b.delivered;
      const mean = n > 0 ? (a.delayMeanMs * a.delivered + b.delayMeanMs * b.delivered) / n : 0;
      const second =
        n > 0
          ? ((a.delayStdMs ** 2 + a.delayMeanMs ** 2) * a.delivered +
              (b.delayStdMs ** 2 + b.delayMeanMs ** 2) * b.delivered) /
            n
          : 0;
      out.set(l.name, {
        name: l.name,
        configured: seen.configured,
        measured: {
          offered: a.offered + b.offered,
          delivered: n,
          droppedRandom: a.droppedRandom + b.droppedRandom,
          droppedBurst: a.droppedBurst + b.droppedBurst,
          droppedQueue: a.droppedQueue + b.droppedQueue,
          droppedPartition: (a.droppedPartition ?? 0) + (b.droppedPartition ?? 0),
          delayMeanMs: mean,
          delayStdMs: Math.sqrt(Math.max(0, second - mean * mean)),
          delayMinMs:
            a.delivered === 0
              ? b.delayMinMs
              : b.delivered === 0
                ? a.delayMinMs
                : Math.min(a.delayMinMs, b.delayMinMs),
          delayMaxMs: Math.max(a.delayMaxMs, b.delayMaxMs),
        },
      });
    }
  }
  return [...out.values()];
}
