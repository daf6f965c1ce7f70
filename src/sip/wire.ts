/**
 * Datagram framing and validation in front of the `sip` package's parser.
 *
 * The package's parser is lenient in ways that hide malformed input (RFC 4475): it silently
 * drops header lines it cannot parse, joins repeated single-value headers, accepts a negative
 * or oversized Content-Length, any protocol version, a CSeq method that differs from the
 * request method, and it mangles IPv6 references in Via. This module frames the datagram
 * itself, checks what the simulator relies on, and decides one of four outcomes: a valid
 * request, a valid response, a request to reject with a status code (the response text is
 * built here from the raw header lines, so it works even when the package cannot parse the
 * message), or a datagram to drop silently.
 */
import * as sip from 'sip';
import type { SipParams, SipRequest, SipResponse, SipVia } from './message.js';

/** The outcome of decoding one datagram. */
export type DecodedDatagram =
  | { readonly kind: 'request'; readonly message: SipRequest }
  | { readonly kind: 'response'; readonly message: SipResponse }
  | {
      readonly kind: 'reject';
      readonly status: number;
      readonly reason: string;
      /** The complete response text, or `undefined` when no response can be built. */
      readonly response: string | undefined;
      readonly detail: string;
    }
  | { readonly kind: 'drop'; readonly detail: string };

/** What the decoder needs to know about the receiving element. */
export interface DecodeOptions {
  /** Option tags this element supports; a request requiring others gets 420 (RFC 3261 8.2.2.3). */
  readonly supported?: readonly string[];
}

const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
const REQUEST_LINE_RE = new RegExp(`^(${TOKEN}) (\\S+) SIP/(\\d+)\\.(\\d+)$`);
const LOOSE_REQUEST_RE = new RegExp(`^${TOKEN}[ \\t]`);
const STATUS_LINE_RE = /^SIP\/(\d+)\.(\d+) (\d{3}) ([^\r\n]*)$/;
const HEADER_RE = new RegExp(`^(${TOKEN})[ \\t]*:[ \\t]*(.*)$`, 's');
const VIA_RE = new RegExp(
  `^SIP[ \\t]*/[ \\t]*(\\d+\\.\\d+)[ \\t]*/[ \\t]*(${TOKEN})[ \\t]+(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9\\-.]+)(?:[ \\t]*:[ \\t]*(\\d{1,5}))?(.*)$`,
  's',
);
const CSEQ_RE = new RegExp(`^(\\d+)[ \\t]+(${TOKEN})$`);
const MAX_UINT32 = 4294967295;

const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  r: 'refer-to',
  u: 'allow-events',
  x: 'session-expires',
};

/** RFC 3261 section 7.3.1 and 20: headers that must appear at most once. */
const SINGLE = ['call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-length', 'content-type'];

interface HeaderLine {
  readonly name: string;
  readonly value: string;
  readonly raw: string;
}

/** Splits a header value on commas that are outside quoted strings and angle brackets. */
export function splitList(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') {
        i++;
      } else if (c === '"') {
        quoted = false;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === '<') {
      depth++;
    } else if (c === '>') {
      depth = Math.max(0, depth - 1);
    } else if (c === ',' && depth === 0) {
      parts.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(value.slice(start).trim());
  return parts;
}

/**
 * Parses `;name[=value]` parameters (RFC 3261 section 25.1 generic-param). Returns `undefined`
 * on an empty parameter (`;;`), a non-token name, or a malformed value.
 */
export function parseParams(text: string): SipParams | undefined {
  const params: SipParams = {};
  let rest = text.trim();
  const paramRe = new RegExp(
    `^;[ \\t]*(${TOKEN})(?:[ \\t]*=[ \\t]*("(?:[^"\\\\]|\\\\[\\s\\S])*"|\\[[0-9A-Fa-f:.]+\\]|[0-9A-Fa-f:.]+(?=[ \\t;]|$)|${TOKEN}))?[ \\t]*`,
  );
  while (rest.length > 0) {
    const m = paramRe.exec(rest);
    if (!m?.[1]) {
      return undefined;
    }
    params[m[1].toLowerCase()] = m[2] ?? null;
    rest = rest.slice(m[0].length);
  }
  return params;
}

/** A parsed SIP or SIPS URI (RFC 3261 section 19.1), with IPv6 references supported. */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
  readonly params: SipParams;
  readonly headers: string | undefined;
}

const SIP_URI_RE =
  /^(sips?):(?:([^@\s<>]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-.]+)(?::(\d{1,5}))?((?:;[^?\s<>]*)?)(?:\?(\S*))?$/i;

/** Parses a SIP or SIPS URI; returns `undefined` when it is not one. */
export function parseSipUri(text: string): SipUri | undefined {
  const m = SIP_URI_RE.exec(text);
  if (!m?.[1] || m[3] === undefined) {
    return undefined;
  }
  const port = m[4] === undefined ? undefined : Number(m[4]);
  if (port !== undefined && port > 65535) {
    return undefined;
  }
  const params = parseParams(m[5] ?? '');
  if (!params) {
    return undefined;
  }
  return {
    scheme: m[1].toLowerCase() as 'sip' | 'sips',
    user: m[2],
    host: m[3],
    port,
    params,
    headers: m[6],
  };
}

/** The scheme of an absolute URI, lower case, or `undefined` when the text is not one. */
export function uriScheme(text: string): string | undefined {
  return /^([A-Za-z][A-Za-z0-9+\-.]*):\S/.exec(text)?.[1]?.toLowerCase();
}

const QUOTED = '"(?:[^"\\\\]|\\\\[\\s\\S])*"';
const NAME_ADDR_RE = new RegExp(
  `^(${QUOTED}|${TOKEN}(?:[ \\t]+${TOKEN})*)?[ \\t]*<([^<>\\s]+)>[ \\t]*(.*)$`,
  's',
);
const ADDR_SPEC_RE = /^([^\s<>;,?"]+)(.*)$/s;

/** A parsed name-addr or addr-spec with header parameters (RFC 3261 section 20.10). */
export interface ParsedAddress {
  readonly name: string | undefined;
  readonly uri: string;
  readonly params: SipParams;
}

/**
 * Parses a From, To or single Contact value strictly: a display name must be a quoted string
 * or tokens separated by white space, the URI in angle brackets has no white space, and an
 * addr-spec without brackets has no comma, semicolon or question mark in its URI.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  const value = text.trim();
  const named = NAME_ADDR_RE.exec(value);
  let name: string | undefined;
  let uri: string | undefined;
  let rest: string;
  if (named) {
    name = named[1];
    uri = named[2];
    rest = named[3] ?? '';
  } else {
    const spec = ADDR_SPEC_RE.exec(value);
    if (!spec) {
      return undefined;
    }
    uri = spec[1];
    rest = spec[2] ?? '';
  }
  if (uri === undefined || uriScheme(uri) === undefined) {
    return undefined;
  }
  const params = parseParams(rest);
  if (!params) {
    return undefined;
  }
  return { name, uri, params };
}

/** Parses one Via value (RFC 3261 section 20.42), accepting IPv6 references (RFC 5118). */
export function parseVia(text: string): SipVia | undefined {
  const m = VIA_RE.exec(text.trim());
  if (!m?.[1] || !m[2] || !m[3]) {
    return undefined;
  }
  const params = parseParams(m[5] ?? '');
  if (!params) {
    return undefined;
  }
  const port = m[4] === undefined ? undefined : Number(m[4]);
  if (port !== undefined && port > 65535) {
    return undefined;
  }
  return { version: m[1], protocol: m[2].toUpperCase(), host: m[3], port, params };
}

/** Splits the header section into unfolded lines (RFC 3261 section 7.3.1). */
function headerLines(section: string): string[] | undefined {
  const lines: string[] = [];
  for (const line of section.split('\r\n')) {
    if (line.includes('\n') || line.includes('\r')) {
      return undefined;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) {
      lines[lines.length - 1] = `${lines[lines.length - 1]} ${line.trim()}`;
    } else {
      lines.push(line);
    }
  }
  return lines;
}

/**
 * Builds a stateless response to a request that is rejected before parsing completes, from
 * the raw header lines (RFC 3261 section 8.2.6.2). Returns `undefined` without a Via.
 */
function rawResponse(
  status: number,
  reason: string,
  headers: readonly HeaderLine[],
  extra: readonly string[] = [],
): string | undefined {
  const vias = headers.filter((h) => h.name === 'via');
  if (vias.length === 0) {
    return undefined;
  }
  let text = `SIP/2.0 ${status} ${reason}\r\n`;
  for (const via of vias) {
    text += `Via: ${via.value}\r\n`;
  }
  for (const name of ['from', 'to', 'call-id', 'cseq']) {
    for (const h of headers.filter((x) => x.name === name)) {
      let value = h.value;
      if (name === 'to' && !/;[ \t]*tag[ \t]*=/i.test(value)) {
        value += ';tag=rej';
      }
      text += `${name === 'call-id' ? 'Call-ID' : name === 'cseq' ? 'CSeq' : name[0]!.toUpperCase() + name.slice(1)}: ${value}\r\n`;
    }
  }
  for (const line of extra) {
    text += `${line}\r\n`;
  }
  return `${text}Content-Length: 0\r\n\r\n`;
}

/**
 * Decodes one UDP datagram. Never throws: every failure becomes a `reject` or a `drop`.
 */
export function decodeDatagram(data: Buffer, options: DecodeOptions = {}): DecodedDatagram {
  try {
    return decode(data, options);
  } catch (e) {
    return { kind: 'drop', detail: `decoder failure: ${String(e)}` };
  }
}

function decode(data: Buffer, options: DecodeOptions): DecodedDatagram {
  // RFC 3261 section 7.5: CRLFs before the start line are ignored (keep-alives).
  const text = data.toString('latin1').replace(/^(?:\r\n)+/, '');
  if (text.length === 0) {
    return { kind: 'drop', detail: 'empty datagram' };
  }
  const end = text.indexOf('\r\n\r\n');
  const terminated = end >= 0;
  const section = terminated ? text.slice(0, end) : text.replace(/\r\n$/, '');
  const bodyAll = terminated ? text.slice(end + 4) : '';
  const lines = headerLines(section);
  const startLine = lines?.[0] ?? section.split(/\r?\n/)[0] ?? '';
  const isResponse = startLine.startsWith('SIP/');

  // Collect the header lines that do parse, so that a rejection can echo them.
  const headers: HeaderLine[] = [];
  let badHeader = lines === undefined;
  for (const line of lines?.slice(1) ?? []) {
    const m = HEADER_RE.exec(line);
    if (!m?.[1]) {
      badHeader = true;
      continue;
    }
    const lower = m[1].toLowerCase();
    headers.push({ name: COMPACT[lower] ?? lower, value: (m[2] ?? '').trim(), raw: line });
  }

  if (isResponse) {
    return decodeResponse(startLine, headers, badHeader, terminated, section, bodyAll);
  }

  const reject = (
    status: number,
    reason: string,
    detail: string,
    extra?: string[],
  ): DecodedDatagram => {
    const response = rawResponse(status, reason, headers, extra);
    return response === undefined
      ? { kind: 'drop', detail: `${detail} (no Via to answer)` }
      : { kind: 'reject', status, reason, response, detail };
  };

  if (!LOOSE_REQUEST_RE.test(startLine)) {
    return { kind: 'drop', detail: 'not a SIP start line' };
  }
  const rl = REQUEST_LINE_RE.exec(startLine);
  if (!rl?.[1] || !rl[2]) {
    // RFC 4475 sections 3.1.2.7 to 3.1.2.10: brackets, embedded LWS, extra or trailing SP.
    return reject(400, 'Bad Request', 'malformed Request-Line');
  }
  if (badHeader) {
    return reject(400, 'Bad Request', 'malformed header line');
  }
  if (!terminated) {
    return reject(400, 'Bad Request', 'header section not terminated');
  }
  const method = rl[1];
  const requestUri = rl[2];
  // RFC 3261 section 8.2.6.1 / 21.5.6: only SIP/2.0 is supported.
  if (rl[3] !== '2' || rl[4] !== '0') {
    return reject(505, 'Version Not Supported', `version SIP/${rl[3]}.${rl[4]}`);
  }

  const count = (name: string): number => headers.filter((h) => h.name === name).length;
  const first = (name: string): string | undefined => headers.find((h) => h.name === name)?.value;

  for (const name of SINGLE) {
    if (count(name) > 1) {
      return reject(400, 'Bad Request', `more than one ${name}`);
    }
  }
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    if (count(name) === 0) {
      return reject(400, 'Bad Request', `missing ${name}`);
    }
  }

  const callId = first('call-id') ?? '';
  if (callId.length === 0 || /[\s,]/.test(callId)) {
    return reject(400, 'Bad Request', 'bad Call-ID');
  }

  const cseq = CSEQ_RE.exec(first('cseq') ?? '');
  if (!cseq?.[1] || !cseq[2]) {
    return reject(400, 'Bad Request', 'bad CSeq');
  }
  // RFC 3261 section 8.1.1.5: the CSeq number is a 32-bit unsigned integer.
  if (cseq[1].replace(/^0+/, '').length > 10 || Number(cseq[1]) > MAX_UINT32) {
    return reject(400, 'Bad Request', 'CSeq number above 2^32-1');
  }
  // RFC 3261 section 8.2.2 via 20.16: the CSeq method matches the request method.
  if (cseq[2] !== method) {
    return reject(400, 'Bad Request', 'CSeq method does not match the Request-Line');
  }

  const vias: SipVia[] = [];
  for (const line of headers.filter((h) => h.name === 'via')) {
    for (const part of splitList(line.value)) {
      const via = parseVia(part);
      if (!via) {
        return reject(400, 'Bad Request', 'malformed Via');
      }
      vias.push(via);
    }
  }

  for (const name of ['from', 'to']) {
    if (!parseAddress(first(name) ?? '')) {
      return reject(400, 'Bad Request', `malformed ${name}`);
    }
  }
  const contact = first('contact');
  if (contact !== undefined && contact !== '*') {
    for (const line of headers.filter((h) => h.name === 'contact')) {
      if (!splitList(line.value).every((part) => parseAddress(part) !== undefined)) {
        return reject(400, 'Bad Request', 'malformed Contact');
      }
    }
  }

  const maxForwards = first('max-forwards');
  if (maxForwards !== undefined && !/^\d{1,10}$/.test(maxForwards)) {
    return reject(400, 'Bad Request', 'bad Max-Forwards');
  }

  // RFC 3261 section 18.3: over UDP the Content-Length frames the body; the rest is ignored.
  let body = bodyAll;
  const cl = first('content-length');
  if (cl !== undefined) {
    if (!/^\d{1,10}$/.test(cl)) {
      return reject(400, 'Bad Request', 'bad Content-Length');
    }
    const length = Number(cl);
    if (length > Buffer.byteLength(bodyAll, 'latin1')) {
      return reject(400, 'Bad Request', 'Content-Length larger than the datagram');
    }
    body = bodyAll.slice(0, length);
  }

  // RFC 3261 section 8.2.2.1 and 21.4.15: only SIP and SIPS Request-URIs.
  const scheme = uriScheme(requestUri);
  if (scheme === undefined) {
    return reject(400, 'Bad Request', 'malformed Request-URI');
  }
  if (scheme !== 'sip' && scheme !== 'sips') {
    return reject(416, 'Unsupported URI Scheme', `Request-URI scheme ${scheme}`);
  }
  const ruri = parseSipUri(requestUri);
  if (!ruri) {
    return reject(400, 'Bad Request', 'malformed SIP Request-URI');
  }
  // RFC 3261 section 19.1.1 (table 1): headers are not allowed in a Request-URI.
  if (ruri.headers !== undefined) {
    return reject(400, 'Bad Request', 'headers in the Request-URI');
  }

  // RFC 3261 section 8.2.2.3: Require with unknown option tags gets 420 (not for ACK/CANCEL).
  if (method !== 'ACK' && method !== 'CANCEL') {
    const supported = new Set((options.supported ?? []).map((t) => t.toLowerCase()));
    const required = headers
      .filter((h) => h.name === 'require')
      .flatMap((h) => h.value.split(','))
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    const unsupported = required.filter((t) => !supported.has(t.toLowerCase()));
    if (unsupported.length > 0) {
      return reject(420, 'Bad Extension', 'unsupported Require', [
        `Unsupported: ${unsupported.join(', ')}`,
      ]);
    }
  }

  const parsed = sip.parse(`${section}\r\n\r\n`);
  if (!parsed?.headers.from || !parsed.headers.to || !parsed.headers.cseq) {
    return reject(400, 'Bad Request', 'unparsable by the SIP parser');
  }
  const from = parseAddress(first('from') ?? '')!;
  const to = parseAddress(first('to') ?? '')!;
  const message: SipRequest = {
    method,
    uri: requestUri,
    version: '2.0',
    headers: {
      ...parsed.headers,
      via: vias,
      from: toSipAddress(from),
      to: toSipAddress(to),
      'call-id': callId,
      cseq: { seq: Number(cseq[1]), method: cseq[2] },
      'content-length': Buffer.byteLength(body, 'latin1'),
    },
    content: body,
  };
  if (maxForwards !== undefined) {
    message.headers['max-forwards'] = maxForwards;
  }
  return { kind: 'request', message };
}

function toSipAddress(a: ParsedAddress): { name?: string; uri: string; params: SipParams } {
  return a.name === undefined
    ? { uri: a.uri, params: a.params }
    : { name: a.name, uri: a.uri, params: a.params };
}

function decodeResponse(
  startLine: string,
  headers: readonly HeaderLine[],
  badHeader: boolean,
  terminated: boolean,
  section: string,
  bodyAll: string,
): DecodedDatagram {
  // RFC 3261 section 18.1.2 / 17.1.3: a response that cannot be matched or framed is dropped.
  const sl = STATUS_LINE_RE.exec(startLine);
  if (!sl?.[3] || sl[1] !== '2' || sl[2] !== '0') {
    return { kind: 'drop', detail: 'malformed Status-Line' };
  }
  const status = Number(sl[3]);
  if (status < 100 || status > 699) {
    return { kind: 'drop', detail: 'status code out of range' };
  }
  if (badHeader || !terminated) {
    return { kind: 'drop', detail: 'malformed response header section' };
  }
  for (const name of SINGLE) {
    if (headers.filter((h) => h.name === name).length > 1) {
      return { kind: 'drop', detail: `more than one ${name}` };
    }
  }
  const first = (name: string): string | undefined => headers.find((h) => h.name === name)?.value;
  const cseq = CSEQ_RE.exec(first('cseq') ?? '');
  if (
    !cseq?.[1] ||
    !cseq[2] ||
    cseq[1].replace(/^0+/, '').length > 10 ||
    Number(cseq[1]) > MAX_UINT32
  ) {
    return { kind: 'drop', detail: 'bad CSeq' };
  }
  const topVia = splitList(headers.find((h) => h.name === 'via')?.value ?? '')[0];
  const via = topVia === undefined ? undefined : parseVia(topVia);
  const from = parseAddress(first('from') ?? '');
  const to = parseAddress(first('to') ?? '');
  const callId = first('call-id');
  if (!via || !from || !to || callId === undefined) {
    return { kind: 'drop', detail: 'missing or malformed Via, From, To or Call-ID' };
  }
  let body = bodyAll;
  const cl = first('content-length');
  if (cl !== undefined) {
    if (!/^\d{1,10}$/.test(cl) || Number(cl) > Buffer.byteLength(bodyAll, 'latin1')) {
      return { kind: 'drop', detail: 'bad Content-Length' };
    }
    body = bodyAll.slice(0, Number(cl));
  }
  const parsed = sip.parse(`${section}\r\n\r\n`);
  if (!parsed) {
    return { kind: 'drop', detail: 'unparsable by the SIP parser' };
  }
  const vias: SipVia[] = [];
  for (const line of headers.filter((h) => h.name === 'via')) {
    for (const part of splitList(line.value)) {
      const v = parseVia(part);
      if (v) {
        vias.push(v);
      }
    }
  }
  const message: SipResponse = {
    status,
    reason: sl[4] ?? '',
    version: '2.0',
    headers: {
      ...parsed.headers,
      via: vias,
      from: toSipAddress(from),
      to: toSipAddress(to),
      'call-id': callId,
      cseq: { seq: Number(cseq[1]), method: cseq[2] },
      'content-length': Buffer.byteLength(body, 'latin1'),
    },
    content: body,
  };
  return { kind: 'response', message };
}

/** Serializes a message for the wire with the `sip` package (latin1, as it reads them). */
export function encodeMessage(message: SipRequest | SipResponse): Buffer {
  return Buffer.from(sip.stringify(message as sip.SipParsedMessage), 'latin1');
}
