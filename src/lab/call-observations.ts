/**
 * What a run learns about each call while it goes on, and what this process hands to the
 * report: the record of a call (decision, final outcome, media sessions, relay sessions, SIP
 * messages), the SIP log that ties messages to scenario calls by the lab's call header, the
 * reading of relay sessions once a call has ended, and the call's `CallPartial`.
 *
 * It must not know how hosts place, answer or route calls, nor how a run is bound, started or
 * closed (`lab.ts`); hosts reach it through `HostContext`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { InternalError, type Logger } from '../core/index.js';
import type { Relay, RelaySessionStats } from '../media/index.js';
import type { CallDecision } from '../policy/index.js';
import type {
  CallEndState,
  HostDrop,
  LegView,
  ReceivedStream,
  SipLogEntry,
} from '../report/index.js';
import type { Call } from '../scenario/index.js';
import { headerText, type IncomingCall, type SipMessage } from '../sip/index.js';
import type { Addressing } from './addressing.js';
import type { MediaSession } from './media-session.js';
import type { CallPartial } from './merge.js';

/** How long a finished call's media sessions stay open for packets still in flight. */
const MEDIA_LINGER_MS = 300;

/** The header that tells every host which scenario call a SIP dialog belongs to. */
export const CALL_HEADER = 'x-mediapath-call';

/**
 * The header that carries the definition of a call that is not in the timeline (an outside
 * peer's), so that a host in another process learns it with the INVITE (base64url JSON).
 */
export const CALL_DEF_HEADER = 'x-mediapath-call-def';

/** A call's definition as the value of {@link CALL_DEF_HEADER}. */
export function callDefHeader(call: Call): string {
  return Buffer.from(JSON.stringify(call), 'utf8').toString('base64url');
}

/**
 * The lab's headers on a call's INVITE: the call's id, and its definition when a host in
 * another process has to learn the call from it (a call that is not in the timeline).
 */
export function callHeaders(call: Call, withDefinition: boolean): Record<string, string> {
  return withDefinition
    ? { [CALL_HEADER]: call.id, [CALL_DEF_HEADER]: callDefHeader(call) }
    : { [CALL_HEADER]: call.id };
}

/** What the lab reads of an INVITE (or of a request within its dialog) to find its call. */
export type CallRequest = Pick<IncomingCall, 'request' | 'remote' | 'requestUri' | 'callId'>;

/** Per-call bookkeeping while the run goes on. */
export class CallRecord {
  readonly call: Call;
  decision: CallDecision | null = null;
  finalStatus: number | null = null;
  finalReason: string | null = null;
  state: CallEndState | null = null;
  readonly sessions: MediaSession[] = [];
  /** Relay sessions that carried this call, read for the report before they close. */
  readonly relaySessions: { host: string; id: string; read: boolean }[] = [];
  readonly relayStats: { host: string; stats: RelaySessionStats }[] = [];
  /** The relay reads going on, in turn. */
  reading: Promise<void> = Promise.resolve();
  readonly sip: SipLogEntry[] = [];
  /** What each end of the call's dialogs on this process's hosts saw (see `openLeg`). */
  readonly legs: LegState[] = [];
  /** The SIP Call-IDs of the call's dialogs seen here. */
  readonly sipCallIds = new Set<string>();
  /** When the final outcome came, ms from the start. */
  endedAt: number | null = null;
  /** The part of the call after its transfer (b.5 #39), once the transfer began. */
  after: CallRecord | null = null;
  readonly done: Promise<void>;
  #resolve!: () => void;
  #onFinish: ((rec: CallRecord) => void) | null;
  readonly #elapsed: () => number;

  constructor(
    call: Call,
    onFinish: ((rec: CallRecord) => void) | null = null,
    elapsed: () => number = () => 0,
  ) {
    this.call = call;
    this.#onFinish = onFinish;
    this.#elapsed = elapsed;
    this.done = new Promise((r) => {
      this.#resolve = r;
    });
  }

  /**
   * The call's final outcome. `local` is false when another process saw it (the caller's) and
   * this one only learns of it (`at`, the time that process saw it, ms from the start).
   */
  finish(
    state: CallEndState,
    status: number | null,
    reason: string | null,
    local = true,
    at: number | null = null,
  ): void {
    if (this.state !== null) {
      return;
    }
    this.state = state;
    this.finalStatus = status;
    this.finalReason = reason;
    this.endedAt = at ?? this.#elapsed();
    if (local) {
      this.#onFinish?.(this);
    }
    this.#resolve();
  }

  /** Milliseconds since the run started. */
  elapsed(): number {
    return this.#elapsed();
  }

  /**
   * One end of one of the call's dialogs, on a host of this process, opened when the INVITE
   * goes out or comes in; the host updates it as the dialog is answered and ends.
   */
  openLeg(host: string, peer: string, role: 'caller' | 'callee'): LegState {
    const leg = new LegState(host, peer, role, this.#elapsed);
    this.legs.push(leg);
    return leg;
  }
}

/** One end of one dialog of a call, updated as it goes (see {@link LegView}). */
export class LegState {
  readonly host: string;
  readonly peer: string;
  readonly role: 'caller' | 'callee';
  answered = false;
  end: LegView['end'] = 'open';
  byeStatus: number | null = null;
  cause: string | null = null;
  at: number | null = null;
  readonly #elapsed: () => number;

  constructor(host: string, peer: string, role: 'caller' | 'callee', elapsed: () => number) {
    this.host = host;
    this.peer = peer;
    this.role = role;
    this.#elapsed = elapsed;
  }

  /** The dialog ended here: how, and why (first end wins). */
  ended(end: Exclude<LegView['end'], 'open'>, cause: string | null): void {
    if (this.end !== 'open') {
      return;
    }
    this.end = end;
    this.cause = cause;
    this.at = this.#elapsed();
  }

  /** The final status of the BYE this end sent. */
  byeAnswered(status: number): void {
    this.byeStatus = status === 0 ? null : status;
  }

  /** As plain data for the report. */
  view(): LegView {
    return {
      host: this.host,
      peer: this.peer,
      role: this.role,
      answered: this.answered,
      end: this.end,
      byeStatus: this.byeStatus,
      cause: this.cause,
      at: this.at,
    };
  }
}

/** What the observations need from the run. */
export interface CallObservationsOptions {
  readonly addressing: Addressing;
  readonly log: Logger;
  /** Whether a call keeps its SIP messages (see `LabOptions.sipLog`). */
  readonly sipLog: boolean;
  /** Milliseconds since the run started, for the SIP log. */
  readonly elapsed: () => number;
  /** The relay of a host, to read and close the sessions of a call. */
  readonly relayOf: (host: string) => Pick<Relay, 'stats' | 'close'>;
  /** Whether a host is a real SIP peer outside the lab (it sends no call header). */
  readonly isExternal: (host: string) => boolean;
  /** Told into the ids of calls made here that are not in the timeline (`ext-<tag>-<n>`). */
  readonly idTag?: string;
  /**
   * A long-running lab's bookkeeping: once a call has ended and its media and relay sessions
   * were read, it is handed over here as the report's input and forgotten (its record, its SIP
   * log, its Call-IDs), so that memory does not grow with the number of calls.
   */
  readonly summarise?: (rec: CallRecord, partial: CallPartial) => void;
  /** A call got its final outcome here (not when another process told of it). */
  readonly onFinished?: (
    callId: string,
    state: CallEndState,
    status: number | null,
    reason: string | null,
    at: number | null,
  ) => void;
}

/** The records of a run's calls, and what this process observed of each. */
export class CallObservations {
  readonly #o: CallObservationsOptions;
  readonly #records = new Map<string, CallRecord>();
  /** The records of the scenario's timeline, in scenario order. */
  readonly #timeline: CallRecord[] = [];
  readonly #sipCallToScenario = new Map<string, string>();
  readonly #onFinish: ((rec: CallRecord) => void) | null;
  #outside = 0;

  constructor(calls: readonly Call[], o: CallObservationsOptions) {
    this.#o = o;
    const onFinished = o.onFinished;
    this.#onFinish = onFinished
      ? (rec: CallRecord): void => {
          onFinished(
            rec.call.id,
            rec.state ?? 'failed',
            rec.finalStatus,
            rec.finalReason,
            rec.endedAt,
          );
        }
      : null;
    for (const call of calls) {
      const rec = this.#track(new CallRecord(call, this.#onFinish, o.elapsed));
      this.#records.set(call.id, rec);
      this.#timeline.push(rec);
    }
  }

  /**
   * Once a call has its final outcome, its media sessions on this process's hosts are closed
   * (their figures stay readable): a long run holds no socket for a call that is over.
   */
  #track(rec: CallRecord): CallRecord {
    void rec.done
      .then(() => delay(MEDIA_LINGER_MS))
      .then(() => Promise.all(rec.sessions.map((m) => m.close().catch(() => undefined))))
      .then(() => this.#summarise(rec));
    return rec;
  }

  /** Hands a finished call over (when a long-running lab asks for it) and forgets it. */
  async #summarise(rec: CallRecord): Promise<void> {
    const summarise = this.#o.summarise;
    if (!summarise || this.#records.get(rec.call.id) !== rec) {
      return;
    }
    await this.readRelays(rec);
    try {
      summarise(rec, this.#partialOf(rec));
    } catch (e) {
      this.#o.log.error({ err: e, call: rec.call.id }, 'call summary failed');
    }
    this.#records.delete(rec.call.id);
    const i = this.#timeline.indexOf(rec);
    if (i >= 0) {
      this.#timeline.splice(i, 1);
    }
    for (const id of rec.sipCallIds) {
      this.#sipCallToScenario.delete(id);
    }
  }

  /** Calls whose record is kept now (a long-running lab forgets the summarised ones). */
  get held(): number {
    return this.#records.size;
  }

  /** Every call's record: the timeline's in scenario order, then calls from outside. */
  get records(): readonly CallRecord[] {
    return [...this.#records.values()];
  }

  /** Every call of the run so far: the timeline's, then those placed from outside. */
  get calls(): Call[] {
    return this.records.map((r) => r.call);
  }

  /**
   * A call that is not in the timeline (placed by an outside peer), as a first-class call of
   * the run: it gets the id `ext-<n>` and starts now. The INVITE's SIP Call-ID is tied to it.
   */
  addOutsideCall(call: Omit<Call, 'id' | 'atMs'>, sipCallId: string): CallRecord {
    const rec = this.addCall(call, 'ext');
    this.#sipCallToScenario.set(sipCallId, rec.call.id);
    rec.sipCallIds.add(sipCallId);
    return rec;
  }

  /**
   * A call that is not in the timeline, starting now, as a first-class call of the run: `ext`
   * for one an outside peer placed, `now` for one placed on demand (ids `ext-<n>`, `now-<n>`,
   * or the id given: a live lab's round, unique for the lab's lifetime).
   */
  addCall(call: Omit<Call, 'id' | 'atMs'>, prefix: 'ext' | 'now', given?: string): CallRecord {
    const tag = this.#o.idTag === undefined ? '' : `${this.#o.idTag}-`;
    const id = given ?? `${prefix}-${tag}${++this.#outside}`;
    if (this.#records.has(id)) {
      throw new InternalError(`call ${id} is already a call of the run`);
    }
    const rec = this.#track(
      new CallRecord({ ...call, id, atMs: this.#o.elapsed() }, this.#onFinish, this.#o.elapsed),
    );
    this.#records.set(id, rec);
    return rec;
  }

  /** The record of a scenario call. */
  record(callId: string): CallRecord | undefined {
    return this.#records.get(callId);
  }

  /**
   * The call an INVITE belongs to: by the lab's header, or, for a call from an external peer
   * (which sends no such header), the first call not yet decided from that peer's host to the
   * Request-URI's user.
   */
  recordOf(invite: CallRequest): CallRecord | undefined {
    const id = headerText(invite.request, CALL_HEADER);
    if (id) {
      return (
        this.#records.get(id) ?? this.#defined(id, headerText(invite.request, CALL_DEF_HEADER))
      );
    }
    const from = this.#o.addressing.hostOf(invite.remote.address);
    if (!from || !this.#o.isExternal(from)) {
      return undefined;
    }
    const user = /^sips?:([^@;]+)@/i.exec(invite.requestUri)?.[1];
    for (const rec of this.#timeline) {
      if (
        rec.call.from === from &&
        rec.decision === null &&
        rec.state === null &&
        (user === undefined || rec.call.to === user)
      ) {
        this.#sipCallToScenario.set(invite.callId, rec.call.id);
        rec.sipCallIds.add(invite.callId);
        return rec;
      }
    }
    return undefined;
  }

  /** A call another process defined (an outside peer's), learnt from its INVITE. */
  #defined(id: string, def: string | undefined): CallRecord | undefined {
    if (def === undefined) {
      return undefined;
    }
    let call: Call;
    try {
      call = JSON.parse(Buffer.from(def, 'base64url').toString('utf8')) as Call;
    } catch {
      return undefined;
    }
    if (call.id !== id) {
      return undefined;
    }
    const rec = this.#track(new CallRecord(call, this.#onFinish, this.#o.elapsed));
    this.#records.set(id, rec);
    return rec;
  }

  /** The scenario call a SIP dialog belongs to, as learnt from the messages seen so far. */
  scenarioCallOf(sipCallId: string): string | undefined {
    return this.#sipCallToScenario.get(sipCallId);
  }

  /**
   * A SIP message a host sent or received: tied to the call it belongs to and, unless the SIP
   * log is off, kept in that call's log.
   */
  logSip(
    host: string,
    dir: 'in' | 'out',
    message: SipMessage | undefined,
    remote: { address: string; port: number },
    raw: string,
  ): void {
    const sipCallId = message ? headerText(message, 'call-id') : undefined;
    const tag = message ? headerText(message, CALL_HEADER) : undefined;
    if (sipCallId && tag && this.#records.has(tag)) {
      this.#sipCallToScenario.set(sipCallId, tag);
    }
    const scenarioId = tag ?? (sipCallId ? this.#sipCallToScenario.get(sipCallId) : undefined);
    const rec = scenarioId ? this.#records.get(scenarioId) : undefined;
    if (!rec) {
      return;
    }
    if (sipCallId) {
      rec.sipCallIds.add(sipCallId);
    }
    if (!this.#o.sipLog) {
      return;
    }
    const eol = raw.indexOf('\r\n');
    const firstLine = eol < 0 ? raw : raw.slice(0, eol);
    rec.sip.push({
      t: this.#o.elapsed(),
      host,
      dir,
      peer: this.#o.addressing.hostOf(remote.address) ?? `${remote.address}:${remote.port}`,
      summary: firstLine.startsWith('SIP/2.0 ')
        ? firstLine.slice(8)
        : firstLine.endsWith(' SIP/2.0')
          ? firstLine.slice(0, -8)
          : firstLine,
      callId: sipCallId ?? '',
      text: raw,
    });
  }

  /** Reads a relay session's figures once the call has ended, then closes it. */
  trackRelay(rec: CallRecord, host: string, sessionId: string): void {
    rec.relaySessions.push({ host, id: sessionId, read: false });
    void rec.done.then(() => delay(100)).then(() => this.readRelays(rec));
  }

  /** Every dialog end of a host that is still open is lost with it (the host was killed). */
  loseLegs(host: string): void {
    for (const rec of this.#records.values()) {
      for (const leg of rec.legs) {
        if (leg.host === host) {
          leg.ended('lost', 'host stopped');
        }
      }
    }
  }

  /** Closes, unread, every relay session a host holds (the host was killed). */
  dropRelays(host: string): void {
    for (const rec of this.#records.values()) {
      for (const s of rec.relaySessions) {
        if (s.host === host && !s.read) {
          s.read = true;
          void this.#o
            .relayOf(host)
            .close(s.id)
            .catch(() => undefined);
        }
      }
    }
  }

  /** Reads and closes the call's relay sessions shortly (the last packets settle first). */
  releaseRelaysSoon(rec: CallRecord): void {
    void delay(100).then(() => this.readRelays(rec));
  }

  /** Reads the call's relay sessions not read yet; in turn with any read already going on. */
  readRelays(rec: CallRecord): Promise<void> {
    rec.reading = rec.reading.then(() => this.#readUnread(rec));
    return rec.reading;
  }

  async #readUnread(rec: CallRecord): Promise<void> {
    for (const s of rec.relaySessions) {
      if (s.read) {
        continue;
      }
      s.read = true;
      try {
        const relay = this.#o.relayOf(s.host);
        rec.relayStats.push({ host: s.host, stats: await relay.stats(s.id) });
        await relay.close(s.id);
      } catch (e) {
        this.#o.log.debug({ err: e, sessionId: s.id }, 'relay session already gone');
      }
    }
  }

  /**
   * The record of the part of a call after its transfer (`part`, the call the policy decides
   * at the transfer time): made now, or the one already made (by another host of this
   * process, or from its definition).
   */
  partOf(rec: CallRecord, part: Call): CallRecord {
    const made = this.#records.get(part.id) ?? this.addCall(part, 'now', part.id);
    rec.after = made;
    return made;
  }

  /** Resolves when every call of the timeline has its final outcome, a transferred one's part after the transfer too. */
  get allDone(): Promise<void> {
    const settled = (r: CallRecord): Promise<void> =>
      r.done.then(() => (r.after ? settled(r.after) : undefined));
    return Promise.all(this.#timeline.map(settled)).then(() => undefined);
  }

  /** Calls started (decided or ended) and ended so far, for progress lines. */
  counts(): { total: number; started: number; ended: number } {
    const all = this.records;
    return {
      total: all.length,
      started: all.filter((r) => r.decision !== null || r.state !== null).length,
      ended: all.filter((r) => r.state !== null).length,
    };
  }

  /** Gives every call still going the outcome of a run that ended (deadline or Ctrl-C). */
  endRemaining(aborted: boolean): void {
    for (const r of this.#records.values()) {
      if (r.state === null) {
        r.finish(
          aborted ? 'cancelled' : 'timeout',
          r.finalStatus,
          aborted ? 'run interrupted' : 'no final outcome before the run ended',
        );
      }
    }
  }

  /** What each call did, as seen by the hosts of this process; reads relay sessions first. */
  async collect(): Promise<CallPartial[]> {
    const out: CallPartial[] = [];
    for (const rec of this.#records.values()) {
      await this.readRelays(rec);
      out.push(this.#partialOf(rec));
    }
    return out;
  }

  #partialOf(rec: CallRecord): CallPartial {
    const received: ReceivedStream[] = [];
    const drops: HostDrop[] = [];
    const sent: Record<string, number> = {};
    for (const m of rec.sessions) {
      const snap = m.snapshot();
      for (const r of snap.received) {
        received.push(r);
      }
      for (const d of snap.drops) {
        drops.push(d);
      }
      sent[m.host] = (sent[m.host] ?? 0) + snap.sent;
    }
    for (const { host, stats } of rec.relayStats) {
      this.#relayObservations(host, stats, received, drops);
    }
    return {
      callId: rec.call.id,
      state: rec.state,
      finalStatus: rec.finalStatus,
      finalReason: rec.finalReason,
      endedAt: rec.endedAt,
      received,
      drops,
      sip: rec.sip,
      sent,
      legs: rec.legs.map((l) => l.view()),
    };
  }

  /** A relay session's legs as streams its host received, and what it dropped. */
  #relayObservations(
    host: string,
    stats: RelaySessionStats,
    received: ReceivedStream[],
    drops: HostDrop[],
  ): void {
    for (const leg of [stats.legA, stats.legB]) {
      if (leg.peer) {
        received.push({
          receiver: host,
          source: this.#o.addressing.hostOf(leg.peer.address),
          sourceAddress: `${leg.peer.address}:${leg.peer.port}`,
          packets: leg.rtpPackets,
          bytes: leg.bytes,
          lost: leg.stream?.lost ?? 0,
          jitterMs: leg.stream?.jitterMs ?? 0,
          latencyP50Ms: null,
          latencyP99Ms: null,
        });
      }
      // One entry per reason, so that the report can tell early media from a fault.
      for (const [reason, packets] of Object.entries(leg.dropped)) {
        if (packets !== undefined && packets > 0) {
          drops.push({ host, source: null, packets, reason });
        }
      }
    }
  }
}

/** How the hosts find the record of a call and of its part after a transfer. */
export function recordsOf(calls: CallObservations): {
  recordOf(invite: CallRequest): CallRecord | undefined;
  partOf(rec: CallRecord, part: Call): CallRecord;
} {
  return {
    recordOf: (invite) => calls.recordOf(invite),
    partOf: (rec, part) => calls.partOf(rec, part),
  };
}
