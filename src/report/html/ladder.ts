/**
 * The SIP ladder of one call, as sngrep and Wireshark's flow view draw it: one column per host,
 * one row per message in time order, each with its time, its first line, the media address its
 * SDP offers (with the host that owns it) and the bypass ID it carries; the policy decision sits
 * on the column of the host that made it, right where it made it. Each message keeps its full
 * text for the page to show on click. Pure: it reads the call's SIP log; no sockets.
 */
import { parse as parseSdp } from 'sdp-transform';
import type { SipLogEntry } from '../run.js';
import type { PageCall } from './model.js';
import { esc } from './text.js';

/** One drawn message. */
export interface LadderMessage {
  /** Time the sender sent it (or the receiver got it, when the sender is not one of ours), ms. */
  readonly t: number;
  readonly from: string;
  readonly to: string;
  readonly summary: string;
  /** The SDP's media address and port, with the host it belongs to. */
  readonly media: string | null;
  readonly bypassId: string | null;
  /** The receiver never logged it (lost, dropped, or sent to a peer outside the run). */
  readonly unanswered: boolean;
  readonly text: string;
}

export interface Ladder {
  readonly columns: readonly string[];
  readonly messages: readonly LadderMessage[];
  /** Where the decision goes: after message `after` (-1: before the first), on `column`. */
  readonly decision: { readonly column: string; readonly after: number } | null;
}

/**
 * Pairs each message's send with its receipt and orders the columns by first appearance,
 * caller first. `hostOf` names the host of a media address (`127.77.0.3` -> `alice`).
 */
export function buildLadder(call: PageCall, hostOf: (address: string) => string | null): Ladder {
  const log = [...call.sip].sort((a, b) => a.t - b.t);
  const used = new Set<number>();
  const messages: LadderMessage[] = [];
  const columns: string[] = [];
  const col = (h: string): void => {
    if (!columns.includes(h)) {
      columns.push(h);
    }
  };
  for (const [i, e] of log.entries()) {
    if (used.has(i)) {
      continue;
    }
    used.add(i);
    if (e.dir === 'out') {
      const j = log.findIndex(
        (x, k) =>
          !used.has(k) &&
          x.dir === 'in' &&
          x.host === e.peer &&
          x.peer === e.host &&
          x.summary === e.summary &&
          (x.text === undefined || e.text === undefined || x.text === e.text),
      );
      if (j >= 0) {
        used.add(j);
      }
      col(e.host);
      col(e.peer);
      messages.push(message(e, e.host, e.peer, j < 0, hostOf));
    } else {
      col(e.peer);
      col(e.host);
      messages.push(message(e, e.peer, e.host, false, hostOf));
    }
  }
  return { columns, messages, decision: decisionPlace(call, messages) };
}

function message(
  e: SipLogEntry,
  from: string,
  to: string,
  unanswered: boolean,
  hostOf: (address: string) => string | null,
): LadderMessage {
  const text = e.text ?? e.summary;
  const sdp = sdpOf(text);
  const owner = sdp?.address ? hostOf(sdp.address) : null;
  return {
    t: e.t,
    from,
    to,
    summary: e.summary,
    media: sdp?.address
      ? `${sdp.address}:${sdp.port ?? '?'}${owner ? ` (${owner})` : ''}${sdp.relay ? `, relay candidate ${sdp.relay}` : ''}`
      : null,
    bypassId: sdp?.bypassId ?? null,
    unanswered,
    text,
  };
}

/** The audio media address, port, relay candidate and bypass ID of a message's SDP body. */
export function sdpOf(text: string): {
  address: string | null;
  port: number | null;
  bypassId: string | null;
  relay: string | null;
} | null {
  const at = text.indexOf('\r\n\r\n');
  const body = at >= 0 ? text.slice(at + 4) : '';
  if (!body.startsWith('v=')) {
    return null;
  }
  try {
    const s = parseSdp(body);
    const audio = s.media.find((m) => m.type === 'audio') ?? s.media[0];
    const bypass = audio?.invalid?.find((a) => a.value.startsWith('x-bypassid:'));
    const relay = audio?.candidates?.find((c) => c.type === 'relay');
    return {
      address: audio?.connection?.ip ?? s.connection?.ip ?? null,
      port: audio?.port ?? null,
      bypassId: bypass ? bypass.value.slice('x-bypassid:'.length) : null,
      relay: relay ? `${relay.ip}:${relay.port}` : null,
    };
  } catch {
    return null;
  }
}

/** The decider's column and the row after which it decided. */
function decisionPlace(call: PageCall, messages: readonly LadderMessage[]): Ladder['decision'] {
  const decider = call.decidedBy;
  if (!decider) {
    return null;
  }
  if (call.decidedAt !== null) {
    let after = -1;
    for (const [i, m] of messages.entries()) {
      if (m.t <= call.decidedAt) {
        after = i;
      }
    }
    return { column: decider, after };
  }
  // Without a recorded time: right after the first INVITE the decider received, or (a caller
  // that decides itself) before its first INVITE.
  const received = messages.findIndex((m) => m.to === decider && m.summary.startsWith('INVITE'));
  if (received >= 0) {
    return { column: decider, after: received };
  }
  const sent = messages.findIndex((m) => m.from === decider && m.summary.startsWith('INVITE'));
  return sent >= 0 ? { column: decider, after: sent - 1 } : null;
}

const COL = 170;
const ROW = 34;
const HEAD = 40;
const LEFT = 70;

/** The ladder as SVG; each message is a `g.msg` with `data-msg` for the page's click. */
export function ladderSvg(callIndex: number, ladder: Ladder, decision: string): string {
  const rows = ladder.messages.length + (ladder.decision ? 1 : 0);
  const width = LEFT + Math.max(1, ladder.columns.length) * COL;
  const height = HEAD + rows * ROW + 16;
  const x = (h: string): number => LEFT + ladder.columns.indexOf(h) * COL + COL / 2;
  const out: string[] = [
    `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="SIP ladder">`,
  ];
  for (const h of ladder.columns) {
    out.push(
      `<text class="col-head" x="${x(h)}" y="20" text-anchor="middle">${esc(h)}</text>`,
      `<line class="lifeline" x1="${x(h)}" y1="28" x2="${x(h)}" y2="${height - 6}"/>`,
    );
  }
  let row = 0;
  const y = (): number => HEAD + row * ROW + 22;
  const decisionRow = (): void => {
    if (!ladder.decision) {
      return;
    }
    const cx = x(ladder.decision.column);
    out.push(
      `<g class="decision-mark"><rect x="${cx - 78}" y="${y() - 16}" width="156" height="22" rx="11"/>` +
        `<text x="${cx}" y="${y() - 1}" text-anchor="middle">policy: ${esc(decision)}</text></g>`,
    );
    row++;
  };
  if (ladder.decision?.after === -1) {
    decisionRow();
  }
  for (const [i, m] of ladder.messages.entries()) {
    const x1 = x(m.from);
    const x2 = x(m.to);
    const yy = y();
    const label = m.summary.length > 44 ? `${m.summary.slice(0, 43)}…` : m.summary;
    const sdp = [
      m.media ? `m ${m.media}` : '',
      m.bypassId ? `bypass ${m.bypassId.slice(0, 8)}` : '',
    ]
      .filter((s) => s !== '')
      .join('  ');
    const mid = (x1 + x2) / 2;
    out.push(
      `<g class="msg${m.unanswered ? ' unanswered' : ''}${m.summary.startsWith('SIP') || /^\d{3} /.test(m.summary) ? ' response' : ''}" data-msg="${callIndex}-${i}" tabindex="0">` +
        `<rect class="hit" x="0" y="${yy - 20}" width="${width}" height="${ROW}"/>` +
        `<text class="time" x="6" y="${yy}">${(m.t / 1000).toFixed(3)}</text>` +
        `<line x1="${x1}" y1="${yy}" x2="${x2 + (x2 > x1 ? -4 : 4)}" y2="${yy}" marker-end="url(#ladder-head)"/>` +
        `<text class="label" x="${mid}" y="${yy - 5}" text-anchor="middle">${esc(label)}</text>` +
        (sdp
          ? `<text class="sdp" x="${mid}" y="${yy + 11}" text-anchor="middle">${esc(sdp)}</text>`
          : '') +
        `<title>${esc(`${m.summary}${m.media ? `\nSDP media ${m.media}` : ''}${m.bypassId ? `\nbypass ID ${m.bypassId}` : ''}`)}</title></g>`,
    );
    row++;
    if (ladder.decision?.after === i) {
      decisionRow();
    }
  }
  out.push(
    `<defs><marker id="ladder-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>`,
    '</svg>',
  );
  return out.join('\n');
}
