/**
 * The checks an SDP offer or answer from a peer passes before anything is routed or allocated
 * for it (RFC 4566 syntax, RFC 3264 semantics), in the spirit of a proxy's sanity checks: a
 * syntax error gets 400, a description the simulator cannot or must not honour gets 488 Not
 * Acceptable Here (RFC 3261 section 21.4.26): an audio stream aimed at a multicast, broadcast,
 * reserved or unspecified address (other than a hold), IPv6 where only IPv4 is served, a host
 * name (there is no DNS), a port out of range, SRTP (RTP/SAVP with a=crypto) that cannot be
 * honoured, no codec in common, or a description too large to be one call's.
 *
 * It knows nothing of policy, media sockets or the hosts of a run; `sdp.ts` builds and reads
 * descriptions that passed.
 */
import { isIPv4 } from 'node:net';

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

const LINE_RE = /^([a-z])=([^\0]*)$/;
const MEDIA_RE = /^(\S+) (\d+)(?:\/(\d+))? (\S+)((?: \S+)+)$/;
const CONNECTION_RE = /^IN (IP4|IP6) (\S+)$/;
const QUAD_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/\d+(?:\/\d+)?)?$/;
const RTPMAP_RE = /^rtpmap:(\d+) ([^/\s]+)\//;
const RTCP_RE = /^rtcp:(\d+)(?: |$)/;

/** One m= section (or the session part) as lines of type and value. */
interface Section {
  readonly lines: readonly { readonly type: string; readonly value: string }[];
}

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
  const split = sections(sdp);
  if ('ok' in split) {
    return split;
  }
  const [session, ...media] = split;
  if (!session || media.length > MAX_SDP_MEDIA) {
    return fault(488, 'overlong', `more than ${MAX_SDP_MEDIA} media descriptions`);
  }
  const head = checkSessionPart(session);
  if (head !== undefined) {
    return head;
  }
  return checkAudio(session, media, options);
}

/** Splits the text into the session part and one section per m= line; a syntax fault else. */
function sections(sdp: string): Section[] | SdpFault {
  const raw = sdp.split(/\r?\n/);
  if (raw[raw.length - 1] === '') {
    raw.pop();
  }
  const out: { type: string; value: string }[][] = [[]];
  for (const [i, line] of raw.entries()) {
    const m = LINE_RE.exec(line);
    if (!m?.[1] || m[2] === undefined || line.includes('\r')) {
      return fault(400, 'syntax', `SDP line ${i + 1} is not <type>=<value>`);
    }
    if (i === 0 && line !== 'v=0') {
      return fault(400, 'syntax', 'SDP does not start with v=0');
    }
    if (m[1] === 'm') {
      out.push([]);
    }
    out[out.length - 1]?.push({ type: m[1], value: m[2] });
  }
  return out.map((lines) => ({ lines }));
}

/** RFC 4566 section 5: the session part has o= (six fields) and s=. */
function checkSessionPart(session: Section): SdpFault | undefined {
  const origin = session.lines.find((l) => l.type === 'o');
  if (origin?.value.split(' ').length !== 6) {
    return fault(400, 'syntax', 'SDP has no valid o= line');
  }
  if (!session.lines.some((l) => l.type === 's')) {
    return fault(400, 'syntax', 'SDP has no s= line');
  }
  for (const l of session.lines) {
    if (l.type === 'c' && !CONNECTION_RE.test(l.value)) {
      return fault(400, 'syntax', `malformed c= line "${l.value}"`);
    }
  }
  return undefined;
}

/** The first audio stream that is not rejected (port 0), checked; or the fault. */
function checkAudio(
  session: Section,
  media: readonly Section[],
  options: SdpCheckOptions,
): SdpAccepted | SdpFault {
  let audio: { section: Section; port: number; proto: string; formats: string[] } | undefined;
  for (const s of media) {
    const m = MEDIA_RE.exec(s.lines[0]?.value ?? '');
    if (!m?.[1] || !m[2] || !m[4] || !m[5]) {
      return fault(400, 'syntax', `malformed m= line "${s.lines[0]?.value ?? ''}"`);
    }
    const port = Number(m[2]);
    if (port > 65535) {
      return fault(488, 'port-range', `media port ${port} is out of range`);
    }
    for (const l of s.lines) {
      if (l.type === 'c' && !CONNECTION_RE.test(l.value)) {
        return fault(400, 'syntax', `malformed c= line "${l.value}"`);
      }
    }
    if (audio === undefined && m[1] === 'audio' && port !== 0) {
      audio = { section: s, port, proto: m[4], formats: m[5].trim().split(' ') };
    }
  }
  if (audio === undefined) {
    return fault(488, 'no-audio', 'the description has no audio stream');
  }
  if (SECURE_RTP.has(audio.proto.toUpperCase())) {
    return fault(488, 'srtp', `${audio.proto} (SRTP) is not supported: offer RTP/AVP`);
  }
  if (!PLAIN_RTP.has(audio.proto.toUpperCase())) {
    return fault(488, 'transport', `transport ${audio.proto} is not supported: offer RTP/AVP`);
  }
  const attrs = [...session.lines, ...audio.section.lines].filter((l) => l.type === 'a');
  for (const a of attrs) {
    const rtcp = RTCP_RE.exec(a.value);
    if (rtcp?.[1] !== undefined && (Number(rtcp[1]) < 1 || Number(rtcp[1]) > 65535)) {
      return fault(488, 'port-range', `RTCP port ${rtcp[1]} is out of range`);
    }
  }
  const connection =
    audio.section.lines.find((l) => l.type === 'c') ?? session.lines.find((l) => l.type === 'c');
  if (connection === undefined) {
    return fault(400, 'syntax', 'the audio stream has no connection address (c=)');
  }
  const direction = attrs
    .map((a) => a.value)
    .filter((v) => v === 'sendonly' || v === 'inactive' || v === 'recvonly' || v === 'sendrecv')
    .pop();
  const address = checkAddress(
    connection.value,
    direction === 'sendonly' || direction === 'inactive',
  );
  if ('ok' in address) {
    return address;
  }
  const codecs = audio.formats.map((f) => codecName(f, audio.section));
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

/**
 * A c= value (`IN IP4 <address>`): a unicast IPv4 literal, or 0.0.0.0 for a stream on hold
 * (RFC 3264 section 8.4 keeps the RFC 2543 form valid) when the direction says so.
 */
function checkAddress(
  value: string,
  holdDirection: boolean,
): { readonly ip: string; readonly hold: boolean } | SdpFault {
  const c = CONNECTION_RE.exec(value);
  if (!c?.[2]) {
    return fault(400, 'syntax', `malformed c= line "${value}"`);
  }
  if (c[1] === 'IP6') {
    return fault(488, 'address-family', `IPv6 media (${c[2]}) is not served: offer IPv4`);
  }
  const q = QUAD_RE.exec(c[2]);
  if (!q) {
    return fault(488, 'host-name', `media address ${c[2]} is not an IPv4 literal (no DNS)`);
  }
  const ip = c[2].split('/')[0] ?? '';
  if (!isIPv4(ip)) {
    return fault(400, 'syntax', `media address ${c[2]} is not an IPv4 address`);
  }
  const first = Number(q[1]);
  if (q[5] !== undefined || (first >= 224 && first <= 239)) {
    return fault(488, 'multicast', `multicast media address ${c[2]} is refused`);
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
function codecName(format: string, audio: Section): string {
  for (const l of audio.lines) {
    const m = l.type === 'a' ? RTPMAP_RE.exec(l.value) : null;
    if (m?.[1] === format && m[2] !== undefined) {
      return m[2].toUpperCase();
    }
  }
  const pt = Number(format);
  return STATIC_AUDIO[pt] ?? `PT${format}`;
}
