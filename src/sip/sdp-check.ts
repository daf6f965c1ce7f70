/**
 * The checks an SDP offer or answer from a peer passes before anything is routed or allocated
 * for it (RFC 4566 syntax, RFC 3264 semantics), in the spirit of a proxy's sanity checks: a
 * syntax error gets 400, a description the simulator cannot or must not honour gets 488 Not
 * Acceptable Here (RFC 3261 section 21.4.26): an audio stream aimed at a multicast, broadcast,
 * reserved or unspecified address (other than a hold), IPv6 where only IPv4 is served, a host
 * name (there is no DNS), a port out of range, SRTP (RTP/SAVP with a=crypto) that cannot be
 * honoured, no codec in common, or a description too large to be one call's.
 *
 * The description is parsed by `sdp-transform` (`sdp-parse.ts`, shared with `sdp.ts`, so a
 * call's offer is parsed once); what that parser skips silently (a line that is not
 * `<type>=<value>`, a c= line it cannot read) is checked on the text, without a regular
 * expression. It knows nothing of policy, media sockets or the hosts of a run; `sdp.ts` builds
 * and reads descriptions that passed.
 */
import { isIPv4 } from 'node:net';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { parseSdp } from './sdp-parse.js';

/** The largest description accepted, in bytes (the simulator's choice; a softphone's is ~1 KiB). */
export const MAX_SDP_BYTES = 8192;
/** The most media descriptions (m= lines) one description may carry. */
export const MAX_SDP_MEDIA = 8;

/** What kind of fault an SDP check found. */
export type SdpFaultKind =
  | 'syntax'
  | 'overlong'
  | 'no-offer'
  | 'no-audio'
  | 'address-family'
  | 'host-name'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'unspecified'
  | 'port-range'
  | 'transport'
  | 'srtp'
  | 'no-common-codec';

/** A description refused: the SIP status to answer with (400 or 488), and why. */
export interface SdpFault {
  readonly ok: false;
  readonly status: 400 | 488;
  readonly kind: SdpFaultKind;
  /** One line for the reason phrase and the report. */
  readonly detail: string;
}

/** A description accepted: where its audio goes (null on hold) and its codecs, in order. */
export interface SdpAccepted {
  readonly ok: true;
  /** The audio stream's address and port; null when the stream is on hold (c=0.0.0.0). */
  readonly media: { readonly address: string; readonly port: number } | null;
  /** The audio codec names in m-line order, static payload types named (RFC 3551). */
  readonly codecs: readonly string[];
}

/** Options of {@link checkSdp}. */
export interface SdpCheckOptions {
  /** Codecs this side can use; none in common is refused with 488. Any codec when omitted. */
  readonly codecs?: readonly string[];
  /** The largest description accepted, in bytes; {@link MAX_SDP_BYTES} by default. */
  readonly maxBytes?: number;
}

/** Static payload types of RFC 3551 that carry audio, by number. */
const STATIC_AUDIO: Readonly<Record<number, string>> = {
  0: 'PCMU',
  3: 'GSM',
  4: 'G723',
  8: 'PCMA',
  9: 'G722',
  18: 'G729',
};

/** Transports over which plain RTP is carried (RFC 3551, RFC 4585). */
const PLAIN_RTP = new Set(['RTP/AVP', 'RTP/AVPF']);
/** Transports that need SRTP keys (RFC 3711, RFC 4568, RFC 5764). */
const SECURE_RTP = new Set(['RTP/SAVP', 'RTP/SAVPF', 'UDP/TLS/RTP/SAVP', 'UDP/TLS/RTP/SAVPF']);

type Media = MediaDescription;

function fault(status: 400 | 488, kind: SdpFaultKind, detail: string): SdpFault {
  return { ok: false, status, kind, detail };
}

/**
 * Checks an SDP offer or answer from a peer (RFC 4566, RFC 3264) and says where its audio
 * goes, or why it is refused and with which status. Never throws.
 */
export function checkSdp(sdp: string, options: SdpCheckOptions = {}): SdpAccepted | SdpFault {
  if (sdp.trim().length === 0) {
    return fault(488, 'no-offer', 'no SDP offer (an offer in the 2xx is not supported)');
  }
  if (Buffer.byteLength(sdp, 'latin1') > (options.maxBytes ?? MAX_SDP_BYTES)) {
    return fault(
      488,
      'overlong',
      `the description is over ${options.maxBytes ?? MAX_SDP_BYTES} bytes`,
    );
  }
  const lines = lineFault(sdp);
  if (typeof lines !== 'number') {
    return lines;
  }
  const session = parseSdp(sdp);
  if (session === undefined) {
    return fault(400, 'syntax', 'SDP does not parse');
  }
  if (session.media.length > MAX_SDP_MEDIA) {
    return fault(488, 'overlong', `more than ${MAX_SDP_MEDIA} media descriptions`);
  }
  const head = checkSessionPart(session, lines);
  if (head !== undefined) {
    return head;
  }
  return checkAudio(session, options);
}

/**
 * RFC 4566 section 5: every line is `<type>=<value>` with a lower-case letter for a type, no
 * bare CR or NUL, and the first is `v=0`. `sdp-transform` skips lines it does not understand,
 * so this is checked on the text before it parses; the c= lines are counted, so that one the
 * parser skipped is seen. Returns that count, or the fault.
 */
function lineFault(sdp: string): number | SdpFault {
  if (sdp.includes('\0')) {
    return fault(400, 'syntax', 'SDP holds a NUL character');
  }
  let connections = 0;
  let n = 0;
  for (let at = 0; at < sdp.length; n++) {
    const lf = sdp.indexOf('\n', at);
    const next = lf < 0 ? sdp.length : lf + 1;
    const end = lf > at && sdp.charCodeAt(lf - 1) === 13 ? lf - 1 : lf < 0 ? sdp.length : lf;
    const type = sdp.charCodeAt(at);
    const cr = sdp.indexOf('\r', at);
    if (type < 97 || type > 122 || sdp.charCodeAt(at + 1) !== 61 || (cr >= 0 && cr < end)) {
      return fault(400, 'syntax', `SDP line ${n + 1} is not <type>=<value>`);
    }
    if (n === 0 && sdp.slice(at, end) !== 'v=0') {
      return fault(400, 'syntax', 'SDP does not start with v=0');
    }
    if (type === 99) {
      connections++;
    }
    at = next;
  }
  return connections;
}

/** RFC 4566 section 5: the session part has o= (six fields) and s=; every c= line parses. */
function checkSessionPart(session: SessionDescription, connections: number): SdpFault | undefined {
  if (session.origin === undefined) {
    return fault(400, 'syntax', 'SDP has no valid o= line');
  }
  if (session.name === undefined) {
    return fault(400, 'syntax', 'SDP has no s= line');
  }
  const parsed =
    (session.connection ? 1 : 0) + session.media.filter((m) => m.connection !== undefined).length;
  if (parsed !== connections) {
    return fault(400, 'syntax', 'malformed c= line');
  }
  return undefined;
}

/** The first audio stream that is not rejected (port 0), checked; or the fault. */
function checkAudio(session: SessionDescription, options: SdpCheckOptions): SdpAccepted | SdpFault {
  let audio: Media | undefined;
  for (const [i, m] of session.media.entries()) {
    const formats = m.payloads === undefined ? '' : String(m.payloads).trim();
    if (typeof m.port !== 'number' || !m.type || !m.protocol || formats.length === 0) {
      return fault(400, 'syntax', `malformed m= line (media description ${i + 1})`);
    }
    if (m.port > 65535) {
      return fault(488, 'port-range', `media port ${m.port} is out of range`);
    }
    if (audio === undefined && m.type === 'audio' && m.port !== 0) {
      audio = m;
    }
  }
  if (audio === undefined) {
    return fault(488, 'no-audio', 'the description has no audio stream');
  }
  const proto = audio.protocol.toUpperCase();
  if (SECURE_RTP.has(proto)) {
    return fault(488, 'srtp', `${audio.protocol} (SRTP) is not supported: offer RTP/AVP`);
  }
  if (!PLAIN_RTP.has(proto)) {
    return fault(488, 'transport', `transport ${audio.protocol} is not supported: offer RTP/AVP`);
  }
  const rtcp = audio.rtcp?.port;
  if (typeof rtcp === 'number' && (rtcp < 1 || rtcp > 65535)) {
    return fault(488, 'port-range', `RTCP port ${rtcp} is out of range`);
  }
  const connection = audio.connection ?? session.connection;
  if (connection === undefined) {
    return fault(400, 'syntax', 'the audio stream has no connection address (c=)');
  }
  const direction = audio.direction ?? session.direction;
  const address = checkAddress(connection, direction === 'sendonly' || direction === 'inactive');
  if ('ok' in address) {
    return address;
  }
  const codecs = String(audio.payloads)
    .trim()
    .split(' ')
    .map((f) => codecName(f, audio));
  if (options.codecs !== undefined) {
    const ours = new Set(options.codecs.map((c) => c.toUpperCase()));
    const common = codecs.some((c) => c !== 'TELEPHONE-EVENT' && ours.has(c));
    if (!common) {
      return fault(
        488,
        'no-common-codec',
        `no codec in common (offered ${codecs.join(', ')}; supported ${options.codecs.join(', ')})`,
      );
    }
  }
  return {
    ok: true,
    media: address.hold ? null : { address: address.ip, port: audio.port },
    codecs,
  };
}

/** Whether a text is four dot-separated groups of one to three digits. */
function dottedQuad(text: string): boolean {
  const parts = text.split('.');
  return (
    parts.length === 4 &&
    parts.every((p) => {
      if (p.length < 1 || p.length > 3) {
        return false;
      }
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (c < 48 || c > 57) {
          return false;
        }
      }
      return true;
    })
  );
}

/**
 * A connection address: a unicast IPv4 literal, or 0.0.0.0 for a stream on hold (RFC 3264
 * section 8.4 keeps the RFC 2543 form valid) when the direction says so.
 */
function checkAddress(
  c: { readonly version: number; readonly ip: string },
  holdDirection: boolean,
): { readonly ip: string; readonly hold: boolean } | SdpFault {
  if (c.version === 6) {
    return fault(488, 'address-family', `IPv6 media (${c.ip}) is not served: offer IPv4`);
  }
  const slash = c.ip.indexOf('/');
  const ip = slash < 0 ? c.ip : c.ip.slice(0, slash);
  if (c.version !== 4 || ip.length === 0) {
    return fault(400, 'syntax', `malformed c= line "IN IP${c.version} ${c.ip}"`);
  }
  if (!dottedQuad(ip)) {
    return fault(488, 'host-name', `media address ${c.ip} is not an IPv4 literal (no DNS)`);
  }
  if (!isIPv4(ip)) {
    return fault(400, 'syntax', `media address ${c.ip} is not an IPv4 address`);
  }
  const first = Number(ip.slice(0, ip.indexOf('.')));
  // RFC 4566 section 5.7: a TTL (or a count of addresses) after a slash is multicast's.
  if (slash >= 0 || (first >= 224 && first <= 239)) {
    return fault(488, 'multicast', `multicast media address ${c.ip} is refused`);
  }
  if (ip === '255.255.255.255') {
    return fault(488, 'broadcast', 'broadcast media address 255.255.255.255 is refused');
  }
  if (first >= 240) {
    return fault(488, 'reserved', `reserved media address ${ip} is refused`);
  }
  if (ip === '0.0.0.0') {
    return holdDirection
      ? { ip, hold: true }
      : fault(488, 'unspecified', 'media address 0.0.0.0 outside a hold (sendonly or inactive)');
  }
  if (first === 0) {
    return fault(488, 'reserved', `media address ${ip} ("this network") is refused`);
  }
  return { ip, hold: false };
}

/** A payload format's codec name: its rtpmap, else the static name of RFC 3551. */
function codecName(format: string, audio: Media): string {
  const pt = Number(format);
  const mapped = audio.rtp.find((r) => r.payload === pt)?.codec;
  if (mapped) {
    return mapped.toUpperCase();
  }
  return STATIC_AUDIO[pt] ?? `PT${format}`;
}
