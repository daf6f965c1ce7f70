/**
 * A call to a user with several endpoints as the wire showed it (b.5 #37, #38): the endpoints
 * that got an INVITE, the one whose dialog was answered, and the early dialogs the caller
 * received (the distinct To tags of its provisional responses; on an inbound PSTN call, what
 * the gateway peer was given), and the greeting a gateway peer that kept the first early
 * dialog's media did not hear. Read from the call's SIP log, legs and media; pure, it knows
 * nothing of how they were recorded.
 */
import type { CallDecision } from '../policy/index.js';
import type { Call } from '../scenario/index.js';
import type { ReceivedStream } from './observed.js';

/** The fields of a SIP log entry read here (`SipLogEntry` of the run report). */
interface LoggedMessage {
  readonly host: string;
  readonly dir: 'in' | 'out';
  readonly summary: string;
  readonly text?: string;
}

/** The fields of a dialog end read here (`LegView` of the run report). */
interface LegEnd {
  readonly host: string;
  readonly role: 'caller' | 'callee';
  readonly answered: boolean;
}

/** What the wire showed of a call to a user. */
export interface ObservedForking {
  /** The user's endpoints that received an INVITE, in the order they did. */
  readonly rang: readonly string[];
  /** The endpoint whose dialog was answered, or null. */
  readonly answeredBy: string | null;
  /** Early dialogs the caller received (inbound PSTN only: 0 otherwise). */
  readonly earlyDialogs: number;
  /**
   * Packets of the answering side's media the gateway peer did not follow because it kept the
   * first early dialog's (the clipped greeting, b.5 #38); 0 when it followed the answer.
   */
  readonly clippedPackets: number;
}

/** The To tag of a SIP message's text (`To:` or its compact form `t:`), if any. */
function toTagOf(text: string | undefined): string | null {
  const m = text ? /^(?:to|t)\s*:[^\r\n]*;\s*tag=([^;\s>\r\n]+)/im.exec(text) : null;
  return m?.[1] ?? null;
}

/** The forking of a call to a user as observed; null for a call to one endpoint. */
export function observedForking(input: {
  readonly call: Call;
  readonly decision: CallDecision;
  readonly sip: readonly LoggedMessage[];
  readonly legs?: readonly LegEnd[];
  readonly media: { readonly received: readonly ReceivedStream[] };
}): ObservedForking | null {
  const f = input.decision.forking;
  if (!f) {
    return null;
  }
  const names = new Set(f.endpoints.map((e) => e.endpoint));
  const rang: string[] = [];
  const tags = new Set<string>();
  for (const m of input.sip) {
    if (m.dir !== 'in') {
      continue;
    }
    if (names.has(m.host) && m.summary.startsWith('INVITE') && !rang.includes(m.host)) {
      rang.push(m.host);
    }
    if (
      input.call.kind === 'inbound-pstn' &&
      m.host === input.call.from &&
      /^18\d/.test(m.summary)
    ) {
      const tag = toTagOf(m.text);
      if (tag !== null) {
        tags.add(tag);
      }
    }
  }
  const answered = (input.legs ?? []).find(
    (l) => l.role === 'callee' && l.answered && names.has(l.host),
  );
  const clippedPackets = input.media.received
    .filter((r) => r.receiver === input.call.from)
    .reduce((n, r) => n + (r.packetsBeforeMark ?? 0), 0);
  return { rang, answeredBy: answered?.host ?? null, earlyDialogs: tags.size, clippedPackets };
}

/** `rang alice-pc, alice-laptop, alice-phone; alice-laptop answered; 3 early dialogs`. */
export function observedForkingText(o: ObservedForking, inbound: boolean): string {
  const early = inbound
    ? `; ${o.earlyDialogs} early dialog${o.earlyDialogs === 1 ? '' : 's'} to the gateway`
    : '';
  const clipped =
    o.clippedPackets > 0
      ? `; greeting clipped: ${o.clippedPackets} packets before the gateway followed the answer`
      : '';
  return `rang ${o.rang.join(', ') || 'none'}; ${o.answeredBy ?? 'nobody'} answered${early}${clipped}`;
}
