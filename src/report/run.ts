/**
 * The run report: the lab's per-call input joined with the observed media path and the
 * expectations, as the terminal table (fitted to the terminal), the JSON result document, the
 * links' configured and measured figures, and the loopback addresses' owners. Pure; it knows
 * nothing of sockets or how the observations were made.
 */
import type { CallDecision } from '../policy/index.js';
import type { Call } from '../scenario/index.js';
import { decisionDetailsJson } from './call-details.js';
import { checkExpectation, type ExpectationFailure } from './expectations.js';
import { decidedBy, RESULT_FORMAT, RESULT_VERSION } from './result.js';
import {
  observeCall,
  observedJson,
  type CallMedia,
  type Divergence,
  type ObservedCall,
} from './observed.js';
import { observedCodec, observedStreams, observedStreamText } from './observed-streams.js';
import { observedForking, observedForkingText } from './observed-forking.js';
import { transferJson, transferNotes, withTransfers } from './observed-transfer.js';
import type { SipLogEntry } from './sip-log.js';
import { decisionColour, pad, shorten, styler, visibleLength, type Styler } from './style.js';
import { contrastJson, formatContrast, type RunContrast } from './run-contrast.js';
import {
  escalationJson,
  observedEscalation,
  observedEscalationText,
} from './observed-escalation.js';

export type { SipLogEntry } from './sip-log.js';

/**
 * How a call ended: from the caller's side (`completed`, `refused`, `failed`, `cancelled`), by
 * a fault a host detected (`media-timeout`: a leg's media stopped; `ring-timeout`: Timer C;
 * `peer-down`: routed to a gateway that is down or that never answered), `lost` (a host of the
 * call died with it), `timeout` (no final outcome before the run ended), `legs-disagree`
 * (the call's legs did not end together: one is still up, or one end never learnt), or
 * `transferred` (b.5 #39: the call carried on as its part after the transfer, which has its
 * own final state).
 */
export type CallEndState =
  | 'completed'
  | 'refused'
  | 'failed'
  | 'cancelled'
  | 'timeout'
  | 'media-timeout'
  | 'ring-timeout'
  | 'peer-down'
  | 'lost'
  | 'legs-disagree'
  | 'transferred';

/**
 * One end of one SIP dialog of a call, as that end's host saw it: the caller's dialog with the
 * Mediation Server, the Mediation Server's two, the callee's. `end` says how it ended there: a
 * BYE it sent (`byeStatus`: the BYE's final status, 408 when nobody answered), a BYE it
 * received, a final response or cancel before any answer, the host was lost, `transferred`
 * (the dialog carried on as the part of the call after its transfer), or still `open` when the
 * run ended (a leg left up).
 */
export interface LegView {
  readonly host: string;
  /** The host at the other end of the dialog (or its address when it is no host). */
  readonly peer: string;
  readonly role: 'caller' | 'callee';
  readonly answered: boolean;
  readonly end:
    'open' | 'bye-sent' | 'bye-received' | 'final' | 'cancelled' | 'lost' | 'transferred';
  readonly byeStatus: number | null;
  /** Why this end ended it (`media-timeout`, `hangup`, ...), when it did. */
  readonly cause: string | null;
  /** When, ms from the start. */
  readonly at: number | null;
}

/** Everything the lab learnt about one call. */
export interface RunCallInput {
  readonly call: Call;
  readonly decision: CallDecision;
  /** Final status the caller received (200 for an answered call). */
  readonly finalStatus: number | null;
  readonly finalReason: string | null;
  readonly state: CallEndState;
  readonly media: CallMedia;
  readonly sip: readonly SipLogEntry[];
  /** Packets each media endpoint of the call sent. */
  readonly sent: Readonly<Record<string, number>>;
  /** When the decision was made, ms from the start (the live run knows it). */
  readonly decidedAt?: number | null;
  /** When the call got its final outcome (or a fault was detected), ms from the start. */
  readonly endedAt?: number | null;
  /** What each end of each of the call's dialogs saw (the live run knows it). */
  readonly legs?: readonly LegView[];
  /** The configuration version the call was decided under (a long-running lab knows it). */
  readonly configVersion?: string;
}

/** A call of the run report: input, observation and expectation check. */
export interface RunCallResult extends RunCallInput {
  readonly observed: ObservedCall;
  readonly failures: readonly ExpectationFailure[];
  /** The same call in the run's second pass, under the contrast deployment (g). */
  readonly contrast?: RunContrast;
}

/** End states after which media that flowed both ways was cut short. */
const INTERRUPTING: ReadonlySet<CallEndState> = new Set(['media-timeout', 'legs-disagree', 'lost']);

/**
 * The observation of a call that did not end cleanly: media that flowed both ways is
 * `interrupted`, and the call's end and the view of each leg are noted as divergences.
 */
function withEnd(input: RunCallInput, observed: ObservedCall): ObservedCall {
  const notes: Divergence[] = [];
  if (INTERRUPTING.has(input.state) && observed.media !== 'none') {
    notes.push({
      kind: 'media-interrupted',
      detail: `${endText(input)}${input.finalReason ? `: ${input.finalReason}` : ''}`,
    });
  }
  if (input.state === 'legs-disagree' || (INTERRUPTING.has(input.state) && input.legs)) {
    const legs = (input.legs ?? []).filter((l) => l.answered);
    if (legs.length > 0) {
      notes.push({
        kind: 'legs-disagree',
        detail: `${input.state === 'legs-disagree' ? 'the legs did not end together: ' : 'how each leg ended: '}${legs.map(legText).join('; ')}`,
      });
    }
  }
  if (notes.length === 0) {
    return observed;
  }
  return {
    ...observed,
    media:
      observed.media === 'both-ways' && INTERRUPTING.has(input.state)
        ? 'interrupted'
        : observed.media,
    divergences: [...observed.divergences, ...notes],
  };
}

/** `media timeout at 3.2 s`, from the end state and when it came. */
function endText(input: RunCallInput): string {
  const at = input.endedAt == null ? '' : ` at ${(input.endedAt / 1000).toFixed(1)} s`;
  return `${input.state.replace(/-/g, ' ')}${at}`;
}

/** What one end of one dialog saw, in a few words. */
export function legText(l: LegView): string {
  const at = l.at === null ? '' : ` at ${(l.at / 1000).toFixed(1)} s`;
  const why = l.cause !== null && l.cause !== 'hangup' ? `, ${l.cause}` : '';
  const who = `${l.host} (${l.role === 'caller' ? 'to' : 'from'} ${l.peer})`;
  switch (l.end) {
    case 'open':
      return `${who}: still up when the run ended`;
    case 'bye-sent':
      return `${who}: sent BYE${why}${at}${l.byeStatus === null ? ', no answer yet' : l.byeStatus === 408 ? ', unanswered (408)' : ` (${l.byeStatus})`}`;
    case 'bye-received':
      return `${who}: got BYE${at}`;
    case 'lost':
      return `${who}: host lost${at}`;
    default:
      return `${who}: ${l.end}${why}${at}`;
  }
}

/**
 * Joins the lab's input with the observed path and the expectations. `isOutside` names the
 * hosts outside peers play: what they receive is not observed.
 */
export function buildRunResults(
  inputs: readonly RunCallInput[],
  isMediationServer: (host: string) => boolean,
  isOutside: (host: string) => boolean = () => false,
): RunCallResult[] {
  const results = inputs.map((input) => {
    const observed = withEnd(
      input,
      observeCall(input.decision, input.media, isMediationServer, isOutside),
    );
    const failures = checkExpectation(input.call.expect, {
      decision: input.decision.decision,
      path: observed.forward.complete ? observed.forward.hops : [],
      reason: `${input.decision.reason} ${observed.divergences.map((d) => d.detail).join(' ')}`,
      ...(input.finalStatus !== null ? { sipStatus: input.finalStatus } : {}),
      // `interrupted` matches none of the directions a scenario may expect, as wanted.
      media: observed.media,
      lossPercent: observed.lossPercent,
      ...observedCodecs(input, isOutside),
      rtcpTeardown: rtcpTeardownOf(input),
      ...forkingOutcome(input, isOutside),
    });
    return { ...input, observed, failures };
  });
  return withTransfers(results);
}

/**
 * The audio and video codecs the caller's own hop carried, as its endpoint observed them (c.4);
 * nothing for a refused call or a caller outside the lab (not observed).
 */
function observedCodecs(
  input: RunCallInput,
  isOutside: (host: string) => boolean,
): { codec?: string | null; videoCodec?: string | null } {
  const caller = input.decision.mediaPath[0] ?? input.call.from;
  if (input.decision.decision === 'REJECTED' || isOutside(caller)) {
    return {};
  }
  const plans = input.decision.streams;
  const received = input.media.received;
  const video = plans.some((p) => p.modality === 'video');
  return {
    codec: observedCodec(plans, received, caller, 'audio'),
    ...(video ? { videoCodec: observedCodec(plans, received, caller, 'video') } : {}),
  };
}

/**
 * Which endpoint of a called user answered, the early dialogs the gateway peer received and
 * whether it clipped the greeting (b.5 #37, #38); the gateway's part is not observed when it is
 * an outside peer.
 */
function forkingOutcome(
  input: RunCallInput,
  isOutside: (host: string) => boolean,
): { answeredBy?: string | null; earlyDialogs?: number; greetingClipped?: boolean } {
  const o = input.decision.decision === 'REJECTED' ? null : observedForking(input);
  if (!o) {
    return {};
  }
  return {
    answeredBy: o.answeredBy,
    ...(isOutside(input.call.from)
      ? {}
      : { earlyDialogs: o.earlyDialogs, greetingClipped: o.clippedPackets > 0 }),
  };
}

/** Whether an end tore the call down because the peer's RTCP stopped (b.5 #40). */
function rtcpTeardownOf(input: RunCallInput): boolean {
  return input.state === 'media-timeout' && /\bno RTCP\b/.test(input.finalReason ?? '');
}

/**
 * The streams of the calls that carry more than G.711 audio (another codec, or video), one
 * line each, as observed per hop; and the endpoints a call to a user rang.
 */
function streamNotes(results: readonly RunCallResult[]): string[] {
  const notes: string[] = [];
  for (const r of results) {
    const streams = observedStreams(r.decision.streams, r.media.received);
    const plain = streams.every(
      (x) =>
        x.modality === 'audio' && (x.codec === 'PCMU' || x.codec === 'PCMA' || x.codec === null),
    );
    if (!plain) {
      notes.push(...streams.map((x) => `  ${r.call.id}: ${observedStreamText(x)}`));
    }
    const escalation = observedEscalation(r.decision, r.media, r);
    if (escalation) {
      notes.push(`  ${r.call.id}: ${observedEscalationText(escalation)}`);
    }
    const forking = observedForking(r);
    if (forking) {
      const inbound = r.call.kind === 'inbound-pstn';
      notes.push(`  ${r.call.id}: ${observedForkingText(forking, inbound)}`);
    }
  }
  return notes;
}

/** How the run table is laid out. */
export interface RunTableOptions {
  readonly colour: boolean;
  readonly title: string;
  /**
   * The terminal's width: the reason column is shortened to fit, or goes on a line of its own
   * under its row when even the other columns do not fit. Undefined: no limit (`--wide`, a file).
   */
  readonly width?: number | undefined;
  /** The run was interrupted: the counts are partial and expectations were not evaluated. */
  readonly interrupted?: boolean;
  /** The run's loopback addresses, listed with their hosts before the summary line. */
  readonly addresses?: Parameters<typeof formatAddresses>[0];
}

/** Below this many characters a shortened reason says too little: it gets its own line. */
const MIN_REASON = 24;

/** The run table: one row per call, then the divergences and expectation failures. */
export function formatRunTable(
  results: readonly RunCallResult[],
  options: RunTableOptions,
): string {
  const st = styler(options.colour);
  const rows: string[][] = [
    [
      '#',
      'call',
      'from',
      'to',
      'trunk',
      'decision',
      'observed path',
      'pkts ->',
      'pkts <-',
      'loss',
      'jitter',
      'reason',
    ],
  ];
  for (const [i, r] of results.entries()) {
    const o = r.observed;
    const fwd = o.forward.complete ? o.forward.last?.packets : undefined;
    const bwd = o.backward.complete ? o.backward.last?.packets : undefined;
    const jitter = Math.max(o.forward.last?.jitterMs ?? 0, o.backward.last?.jitterMs ?? 0);
    const path =
      o.media === 'none'
        ? r.decision.decision === 'REJECTED'
          ? `none (SIP ${r.finalStatus ?? '?'})`
          : 'none'
        : o.forward.complete
          ? o.forward.hops.join(' -> ')
          : `${o.backward.hops.join(' -> ')} (one way)`;
    const flag = o.divergences.length > 0 || r.failures.length > 0;
    rows.push([
      String(i + 1),
      r.call.id,
      r.call.from,
      r.call.to,
      r.decision.trunk ?? '-',
      decisionColour(st, r.decision.decision),
      flag ? st.yellow(path) : path,
      fwd === undefined ? '-' : String(fwd),
      bwd === undefined ? '-' : String(bwd),
      o.media === 'none' ? '-' : `${o.lossPercent.toFixed(1)}%`,
      o.media === 'none' ? '-' : `${jitter.toFixed(1)}ms`,
      oneLine(r),
    ]);
  }
  const last = (rows[0]?.length ?? 1) - 1;
  const widths =
    rows[0]?.map((_, c) => Math.max(...rows.map((row) => visibleLength(row[c] ?? '')))) ?? [];
  const fixed = widths.slice(0, last).reduce((a, w) => a + w + 2, 0);
  const room = options.width === undefined ? Infinity : options.width - fixed;
  const reasonBelow = room < MIN_REASON;
  const lines = [st.bold(options.title), ''];
  for (const [i, row] of rows.entries()) {
    const cells = row.slice(0, last).map((cell, c) => pad(cell, widths[c] ?? 0));
    const reason = row[last] ?? '';
    if (reasonBelow) {
      lines.push(i === 0 ? st.dim(cells.join('  ').trimEnd()) : cells.join('  ').trimEnd());
      if (i > 0) {
        lines.push(`   ${shorten(reason, (options.width ?? Infinity) - 3)}`);
      }
    } else {
      const text = `${cells.join('  ')}  ${shorten(reason, room)}`;
      lines.push(i === 0 ? st.dim(text) : text);
    }
  }
  const notes: string[] = transferNotes(results).map((t) => `${st.dim('>')} ${t}`);
  for (const r of results) {
    for (const d of r.observed.divergences) {
      notes.push(`${st.yellow('!')} ${r.call.id}: ${d.kind}: ${d.detail}`);
    }
    for (const f of options.interrupted ? [] : r.failures) {
      notes.push(`${st.red('x')} ${r.call.id}: expected ${f.field} ${f.expected}, got ${f.actual}`);
    }
  }
  if (notes.length) {
    lines.push('', ...notes);
  }
  const contrast = formatContrast(results, options.colour);
  if (contrast) {
    lines.push(contrast.trimEnd());
  }
  const streams = streamNotes(results);
  if (streams.length) {
    lines.push('', st.dim('Streams and endpoints (observed):'), ...streams);
  }
  if (options.addresses) {
    lines.push(formatAddresses(options.addresses, options.width).trimEnd());
  }
  lines.push('', summaryLine(results, st, options.interrupted === true));
  return lines.join('\n') + '\n';
}

/** `3 calls. All 3 expectations met.`, or what failed, or that the run was interrupted. */
function summaryLine(
  results: readonly RunCallResult[],
  st: ReturnType<typeof styler>,
  interrupted: boolean,
): string {
  const calls = plural(results.length, 'call');
  if (interrupted) {
    const started = results.filter((r) => r.sip.length > 0 || r.state !== 'cancelled').length;
    const ended = results.filter((r) => r.state !== 'cancelled').length;
    return st.red(
      `Interrupted: ${started} of ${calls} started, ${ended} ended before the run was stopped. Expectations not evaluated.`,
    );
  }
  const withExpect = results.filter((r) => r.call.expect ?? r.call.transfer?.expect).length;
  const failed = results.filter((r) => r.failures.length > 0).length;
  return expectationsLine(calls, withExpect, failed, st);
}

/** `3 calls. All 3 expectations met.`, `3 calls. 1 of 2 expectations failed.` or none. */
export function expectationsLine(
  calls: string,
  judged: number,
  failed: number,
  st: Styler,
): string {
  return judged === 0
    ? `${calls}. No expectations.`
    : failed === 0
      ? st.green(`${calls}. ${allMet(judged)}`)
      : st.red(`${calls}. ${failed} of ${plural(judged, 'expectation')} failed.`);
}

/** `The expectation was met.` or `All 3 expectations met.` */
export function allMet(n: number): string {
  return n === 1 ? 'The expectation was met.' : `All ${n} expectations met.`;
}

/** `1 call`, `2 calls`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function oneLine(r: RunCallResult): string {
  if (
    r.state === 'media-timeout' ||
    r.state === 'ring-timeout' ||
    r.state === 'peer-down' ||
    r.state === 'lost' ||
    r.state === 'legs-disagree'
  ) {
    return `${endText(r)}${r.finalReason ? `: ${r.finalReason}` : ''}`;
  }
  const d = r.observed.divergences[0];
  if (d) {
    return `${d.kind}: ${d.detail}`;
  }
  if (r.decision.decision === 'REJECTED') {
    return `${r.finalStatus ?? '?'} ${r.finalReason ?? ''}: ${r.decision.reason}`.trim();
  }
  return r.decision.reason;
}

/**
 * The machine-readable run report, the one source of every view of a run (the table, the HTML
 * page, `mediapath report`). `meta` carries what the run knows beyond its calls: the scenario,
 * mode, duration, the network (`topologyView`) and the ledger's events.
 */
export function runJson(
  meta: Record<string, unknown>,
  results: readonly RunCallResult[],
  options: { readonly interrupted?: boolean } = {},
): unknown {
  // An interrupted run is not judged: its calls stopped half way.
  const judged = options.interrupted !== true;
  return {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    kind: 'run',
    ...meta,
    calls: results.map((r) => ({ ...callJson(r, judged), ...transferJson(r, results) })),
    expectationsFailed: judged ? results.filter((r) => r.failures.length > 0).length : null,
  };
}

/**
 * One call of the run report as JSON (`runJson`'s `calls[]`, and each line of a long-running
 * lab's call stream): its decision, trace, observed path, streams, legs and SIP log.
 */
export function callJson(r: RunCallResult, judged = true): Record<string, unknown> {
  return {
    id: r.call.id,
    at: r.call.atMs / 1000,
    from: r.call.from,
    to: r.call.to,
    kind: r.call.kind,
    trunk: r.decision.trunk,
    decidedBy: decidedBy(r.decision),
    decidedAt: r.decidedAt ?? null,
    ...(r.configVersion === undefined ? {} : { configVersion: r.configVersion }),
    endedAt: r.endedAt ?? null,
    decision: r.decision.decision,
    reason: r.decision.reason,
    codecs: r.decision.codecs,
    bypassIds: r.decision.bypassIds,
    warnings: r.decision.warnings,
    predictedPath: r.decision.mediaPath,
    ...observedJson(r.observed),
    state: r.state,
    finalStatus: r.finalStatus,
    finalReason: r.finalReason,
    legs: r.legs ?? [],
    received: r.media.received,
    streamsObserved: observedStreams(r.decision.streams, r.media.received),
    forkingObserved: observedForking(r),
    ...escalationJson(r),
    drops: r.media.drops,
    sent: r.sent,
    reservations: r.decision.holding.reservations,
    user: r.call.user ?? null,
    ...decisionDetailsJson(r.decision),
    expect: r.call.expect,
    expectationFailures: judged ? r.failures : null,
    ...(r.contrast ? { contrast: contrastJson(r.contrast) } : {}),
    trace: r.decision.trace,
    sip: r.sip,
  };
}

/** One change of a gateway's state, as a Mediation Server's keep-alives saw it. */
export interface PeerStateChange {
  /** Milliseconds from the start of the run. */
  readonly at: number;
  readonly state: 'up' | 'down';
  readonly detail: string;
}

/** A gateway's health as its Mediation Server tracked it (OPTIONS keep-alives). */
export interface PeerHealth {
  /** The Mediation Server that watched. */
  readonly watcher: string;
  readonly peer: string;
  /** The state when the run ended. */
  readonly state: 'up' | 'down';
  readonly history: readonly PeerStateChange[];
}

/**
 * The gateways' up/down history, for the report: only gateways whose state changed, each
 * with its changes in order (`gw-chi: down at 5.1 s (3 keep-alives unanswered), up at 9.0 s`).
 */
export function formatPeers(peers: readonly PeerHealth[], colour: boolean): string {
  const changed = peers.filter((p) => p.history.length > 0);
  if (changed.length === 0) {
    return '';
  }
  const st = styler(colour);
  const lines = ['', st.bold('Gateways (keep-alives from their Mediation Server)')];
  for (const p of changed) {
    const steps = p.history.map((h) => `${h.state} at ${(h.at / 1000).toFixed(1)} s (${h.detail})`);
    lines.push(`  ${p.watcher} -> ${p.peer}: ${steps.join(', ')}; ${p.state} at the end`);
  }
  return `${lines.join('\n')}\n`;
}

/** A host lost during a multi-process run (its agent died or left), and whether it came back. */
export interface LostHost {
  readonly host: string;
  /** Milliseconds from the start of the run. */
  readonly at: number;
  readonly detail: string;
  /** When an agent for it joined again, ms from the start; null when none did. */
  readonly rejoinedAt: number | null;
}

/** The hosts a run lost: `Degraded run: lost ms-hq at 2.1 s (its agent exited), back at 3.0 s`. */
export function formatLost(lost: readonly LostHost[], colour: boolean): string {
  if (lost.length === 0) {
    return '';
  }
  const st = styler(colour);
  const parts = lost.map(
    (l) =>
      `${l.host} at ${(l.at / 1000).toFixed(1)} s (${l.detail})${l.rejoinedAt === null ? '' : `, back at ${(l.rejoinedAt / 1000).toFixed(1)} s`}`,
  );
  return `\n${st.red(`Degraded run: lost ${parts.join('; ')}`)}\n`;
}

/** One direction of an impaired link: what the scenario asked for and what the link did. */
export interface LinkObservation {
  readonly name: string;
  readonly configured: {
    readonly delayMs: number;
    readonly jitterMs: number;
    readonly lossPercent: number;
    readonly burst: boolean;
    readonly rateKbps: number | null;
    readonly queueMs: number;
  };
  readonly measured: {
    readonly offered: number;
    readonly delivered: number;
    readonly droppedRandom: number;
    readonly droppedBurst: number;
    readonly droppedQueue: number;
    /** Dropped while the link was partitioned (a `faults:` partition). */
    readonly droppedPartition?: number;
    readonly delayMeanMs: number;
    readonly delayStdMs: number;
    readonly delayMinMs: number;
    readonly delayMaxMs: number;
  };
}

/**
 * The links section of the run report: configured next to measured. Uniform jitter of +-J has
 * a standard deviation of J / sqrt(3), which is what the measured spread is compared with.
 */
export function formatLinks(links: readonly LinkObservation[], colour: boolean): string {
  if (links.length === 0) {
    return '';
  }
  const st = styler(colour);
  const lines = ['', st.bold('Links (configured -> measured)')];
  for (const l of links) {
    const c = l.configured;
    const m = l.measured;
    if (m.offered === 0) {
      lines.push(`  ${l.name}: no traffic`);
      continue;
    }
    const lost = m.droppedRandom + m.droppedBurst + m.droppedQueue;
    const parts = [
      `delay ${c.delayMs} -> ${m.delayMeanMs.toFixed(1)} ms (min ${m.delayMinMs.toFixed(1)}, max ${m.delayMaxMs.toFixed(1)})`,
      `jitter +-${c.jitterMs} ms (sd ${(c.jitterMs / Math.sqrt(3)).toFixed(1)}) -> sd ${m.delayStdMs.toFixed(1)} ms`,
      `loss ${c.lossPercent}%${c.burst ? ' + bursts' : ''} -> ${((lost / m.offered) * 100).toFixed(2)}% of ${m.offered} datagrams` +
        (m.droppedBurst || m.droppedQueue
          ? ` (random ${m.droppedRandom}, burst ${m.droppedBurst}, queue ${m.droppedQueue})`
          : ''),
    ];
    if (c.rateKbps !== null) {
      parts.push(`rate ${c.rateKbps} kbps, queue ${c.queueMs} ms: ${m.droppedQueue} tail drops`);
    }
    if ((m.droppedPartition ?? 0) > 0) {
      parts.push(`partitioned: ${m.droppedPartition} dropped`);
    }
    lines.push(`  ${l.name}: ${parts.join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Which host each loopback address of the run stands for, with its scenario IP, so that a
 * capture taken on the loopback interface can be read: `127.77.0.5 alice (172.29.77.15)`.
 * Laid out in columns within `width` (one per line without a width).
 */
export function formatAddresses(
  entries: readonly { host: string; address: string; scenarioIp: string; role: string }[],
  width?: number,
): string {
  if (entries.length === 0) {
    return '';
  }
  const cells = entries.map(
    (e) =>
      `${e.address} ${e.host} (${e.scenarioIp}${e.role === 'gateway-side' ? ', gateway side' : e.role === 'pstn' ? ', the PSTN' : ''})`,
  );
  const cell = Math.max(...cells.map((c) => c.length)) + 2;
  const perLine = width === undefined ? 1 : Math.max(1, Math.floor((width - 2) / cell));
  const lines = ['', 'Addresses on loopback (address, host, scenario IP):'];
  for (let i = 0; i < cells.length; i += perLine) {
    lines.push(
      `  ${cells
        .slice(i, i + perLine)
        .map((c) => c.padEnd(cell))
        .join('')
        .trimEnd()}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
