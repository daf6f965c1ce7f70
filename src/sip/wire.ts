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
 * message), or a datagram to drop silently. The syntax of single header values and URIs is
 * in `syntax.ts`.
 */
import * as sip from 'sip';
import type { SipParams, SipRequest, SipResponse, SipVia } from './message.js';
import {
  parseAddress,
  parseSipUri,
  parseVia,
  splitList,
  TOKEN,
  uriScheme,
  type ParsedAddress,
} from './syntax.js';

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
  /**
   * The largest datagram accepted, in bytes ({@link MAX_DATAGRAM_BYTES} by default): a request
   * over it gets 413 (RFC 3261 section 21.4.11), a response over it is dropped.
   */
  readonly maxBytes?: number;
}

/**
 * The largest SIP datagram accepted by default: 16 KiB, the simulator's choice (RFC 3261
 * section 18.1.1 expects requests near the path MTU over UDP; one call's INVITE with SDP is
 * under 4 KiB).
 */
export const MAX_DATAGRAM_BYTES = 16384;

const REQUEST_LINE_RE = new RegExp(`^(${TOKEN}) (\\S+) SIP/(\\d+)\\.(\\d+)$`);
const LOOSE_REQUEST_RE = new RegExp(`^${TOKEN}[ \\t]`);
const STATUS_LINE_RE = /^SIP\/(\d+)\.(\d+) (\d{3}) ([^\r\n]*)$/;
const HEADER_RE = new RegExp(`^(${TOKEN})[ \\t]*:[ \\t]*(.*)$`, 's');
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

/** A datagram split into start line, header lines and body, before any check. */
interface Framed {
  readonly startLine: string;
  /** The header lines that parse, compact names expanded, so that a rejection can echo them. */
  readonly headers: readonly HeaderLine[];
  /** A header line did not parse, or a line of the header section held a bare CR or LF. */
  readonly badHeader: boolean;
  /** The header section ends with an empty line. */
  readonly terminated: boolean;
  /** The header section, start line included, without the empty line. */
  readonly section: string;
  /** Everything after the empty line, before Content-Length framing. */
  readonly bodyAll: string;
}

/** Why a request is answered with an error status instead of being passed on. */
interface Rejection {
  readonly status: number;
  readonly reason: string;
  readonly detail: string;
  /** Header lines added to the response. */
  readonly extra?: readonly string[];
}

/** The Request-Line's method and Request-URI. */
interface RequestLine {
  readonly method: string;
  readonly requestUri: string;
}

/** The Call-ID and the CSeq number and method of a request, checked. */
interface RequestIds {
  readonly callId: string;
  readonly seq: string;
  readonly method: string;
}

function badRequest(detail: string): Rejection {
  return { status: 400, reason: 'Bad Request', detail };
}

function isRejection<T extends object>(value: T | Rejection): value is Rejection {
  return 'status' in value;
}

function decode(data: Buffer, options: DecodeOptions): DecodedDatagram {
  const limit = options.maxBytes ?? MAX_DATAGRAM_BYTES;
  const framed = frame(data.length > limit ? data.subarray(0, limit) : data);
  if (framed === undefined) {
    return { kind: 'drop', detail: 'empty datagram' };
  }
  if (data.length > limit) {
    // Only the start of an oversized datagram is read: enough to answer it from its headers.
    const detail = `datagram of ${data.length} bytes is over the limit of ${limit}`;
    return framed.startLine.startsWith('SIP/') || !LOOSE_REQUEST_RE.test(framed.startLine)
      ? { kind: 'drop', detail }
      : rejectRequest({ status: 413, reason: 'Request Entity Too Large', detail }, framed.headers);
  }
  if (framed.startLine.startsWith('SIP/')) {
    return decodeResponse(framed);
  }
  if (!LOOSE_REQUEST_RE.test(framed.startLine)) {
    return { kind: 'drop', detail: 'not a SIP start line' };
  }
  const request = decodeRequest(framed, options);
  return isRejection(request) ? rejectRequest(request, framed.headers) : request;
}

/**
 * Splits a datagram into start line, header lines and body (RFC 3261 section 7); returns
 * `undefined` for an empty one.
 */
function frame(data: Buffer): Framed | undefined {
  // RFC 3261 section 7.5: CRLFs before the start line are ignored (keep-alives).
  const text = data.toString('latin1').replace(/^(?:\r\n)+/, '');
  if (text.length === 0) {
    return undefined;
  }
  const end = text.indexOf('\r\n\r\n');
  const terminated = end >= 0;
  const section = terminated ? text.slice(0, end) : text.replace(/\r\n$/, '');
  const bodyAll = terminated ? text.slice(end + 4) : '';
  const lines = headerLines(section);
  const startLine = lines?.[0] ?? section.split(/\r?\n/)[0] ?? '';

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
  return { startLine, headers, badHeader, terminated, section, bodyAll };
}

/** The rejection as a `reject` outcome, or a `drop` when there is no Via to answer to. */
function rejectRequest(r: Rejection, headers: readonly HeaderLine[]): DecodedDatagram {
  const response = rawResponse(r.status, r.reason, headers, r.extra);
  return response === undefined
    ? { kind: 'drop', detail: `${r.detail} (no Via to answer)` }
    : { kind: 'reject', status: r.status, reason: r.reason, response, detail: r.detail };
}

/** Checks a request step by step, in the order of the rejections it may get. */
function decodeRequest(f: Framed, options: DecodeOptions): DecodedDatagram | Rejection {
  const line = checkRequestLine(f);
  if (isRejection(line)) {
    return line;
  }
  const headers = f.headers;
  const counted = checkHeaderCounts(headers);
  if (counted !== undefined) {
    return counted;
  }
  const ids = checkCallIdAndCSeq(headers, line.method);
  if (isRejection(ids)) {
    return ids;
  }
  const vias = parseRequestVias(headers);
  if (isRejection(vias)) {
    return vias;
  }
  const addresses = checkAddresses(headers);
  if (addresses !== undefined) {
    return addresses;
  }
  const maxForwards = firstValue(headers, 'max-forwards');
  if (maxForwards !== undefined && !/^\d{1,10}$/.test(maxForwards)) {
    return badRequest('bad Max-Forwards');
  }
  const body = frameRequestBody(headers, f.bodyAll);
  if (typeof body !== 'string') {
    return body;
  }
  const fault = checkRequestUri(line.requestUri) ?? checkRequire(headers, line.method, options);
  if (fault !== undefined) {
    return fault;
  }
  const parsed = sip.parse(`${f.section}\r\n\r\n`);
  if (!parsed?.headers.from || !parsed.headers.to || !parsed.headers.cseq) {
    return badRequest('unparsable by the SIP parser');
  }
  const from = parseAddress(firstValue(headers, 'from') ?? '')!;
  const to = parseAddress(firstValue(headers, 'to') ?? '')!;
  const message: SipRequest = {
    method: line.method,
    uri: line.requestUri,
    version: '2.0',
    headers: {
      ...parsed.headers,
      via: vias,
      from: toSipAddress(from),
      to: toSipAddress(to),
      'call-id': ids.callId,
      cseq: { seq: Number(ids.seq), method: ids.method },
      'content-length': Buffer.byteLength(body, 'latin1'),
    },
    content: body,
  };
  if (maxForwards !== undefined) {
    message.headers['max-forwards'] = maxForwards;
  }
  return { kind: 'request', message };
}

/** The Request-Line, then the framing of the header section, then the version. */
function checkRequestLine(f: Framed): RequestLine | Rejection {
  const rl = REQUEST_LINE_RE.exec(f.startLine);
  if (!rl?.[1] || !rl[2]) {
    // RFC 4475 sections 3.1.2.7 to 3.1.2.10: brackets, embedded LWS, extra or trailing SP.
    return badRequest('malformed Request-Line');
  }
  if (f.badHeader) {
    return badRequest('malformed header line');
  }
  if (!f.terminated) {
    return badRequest('header section not terminated');
  }
  // RFC 3261 section 8.2.6.1 / 21.5.6: only SIP/2.0 is supported.
  if (rl[3] !== '2' || rl[4] !== '0') {
    return {
      status: 505,
      reason: 'Version Not Supported',
      detail: `version SIP/${rl[3]}.${rl[4]}`,
    };
  }
  return { method: rl[1], requestUri: rl[2] };
}

/** Single-value headers at most once, the headers every request needs at least once. */
function checkHeaderCounts(headers: readonly HeaderLine[]): Rejection | undefined {
  const count = (name: string): number => headers.filter((h) => h.name === name).length;
  for (const name of SINGLE) {
    if (count(name) > 1) {
      return badRequest(`more than one ${name}`);
    }
  }
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    if (count(name) === 0) {
      return badRequest(`missing ${name}`);
    }
  }
  return undefined;
}

/** The Call-ID, and the CSeq's number and method against the request's method. */
function checkCallIdAndCSeq(
  headers: readonly HeaderLine[],
  method: string,
): RequestIds | Rejection {
  const callId = firstValue(headers, 'call-id') ?? '';
  if (callId.length === 0 || /[\s,]/.test(callId)) {
    return badRequest('bad Call-ID');
  }
  const cseq = CSEQ_RE.exec(firstValue(headers, 'cseq') ?? '');
  if (!cseq?.[1] || !cseq[2]) {
    return badRequest('bad CSeq');
  }
  // RFC 3261 section 8.1.1.5: the CSeq number is a 32-bit unsigned integer.
  if (cseq[1].replace(/^0+/, '').length > 10 || Number(cseq[1]) > MAX_UINT32) {
    return badRequest('CSeq number above 2^32-1');
  }
  // RFC 3261 section 8.2.2 via 20.16: the CSeq method matches the request method.
  if (cseq[2] !== method) {
    return badRequest('CSeq method does not match the Request-Line');
  }
  return { callId, seq: cseq[1], method: cseq[2] };
}

/** Every Via value of every Via line, each one well formed. */
function parseRequestVias(headers: readonly HeaderLine[]): SipVia[] | Rejection {
  const vias: SipVia[] = [];
  for (const line of headers.filter((h) => h.name === 'via')) {
    for (const part of splitList(line.value)) {
      const via = parseVia(part);
      if (!via) {
        return badRequest('malformed Via');
      }
      vias.push(via);
    }
  }
  return vias;
}

/** From and To, and every Contact unless it is `*`. */
function checkAddresses(headers: readonly HeaderLine[]): Rejection | undefined {
  for (const name of ['from', 'to']) {
    if (!parseAddress(firstValue(headers, name) ?? '')) {
      return badRequest(`malformed ${name}`);
    }
  }
  const contact = firstValue(headers, 'contact');
  if (contact !== undefined && contact !== '*') {
    for (const line of headers.filter((h) => h.name === 'contact')) {
      if (!splitList(line.value).every((part) => parseAddress(part) !== undefined)) {
        return badRequest('malformed Contact');
      }
    }
  }
  return undefined;
}

/** RFC 3261 section 18.3: over UDP the Content-Length frames the body; the rest is ignored. */
function frameRequestBody(headers: readonly HeaderLine[], bodyAll: string): string | Rejection {
  const cl = firstValue(headers, 'content-length');
  if (cl === undefined) {
    return bodyAll;
  }
  if (!/^\d{1,10}$/.test(cl)) {
    return badRequest('bad Content-Length');
  }
  const length = Number(cl);
  if (length > Buffer.byteLength(bodyAll, 'latin1')) {
    return badRequest('Content-Length larger than the datagram');
  }
  return bodyAll.slice(0, length);
}

/** RFC 3261 section 8.2.2.1 and 21.4.15: only SIP and SIPS Request-URIs, without headers. */
function checkRequestUri(requestUri: string): Rejection | undefined {
  const scheme = uriScheme(requestUri);
  if (scheme === undefined) {
    return badRequest('malformed Request-URI');
  }
  if (scheme !== 'sip' && scheme !== 'sips') {
    return {
      status: 416,
      reason: 'Unsupported URI Scheme',
      detail: `Request-URI scheme ${scheme}`,
    };
  }
  const ruri = parseSipUri(requestUri);
  if (!ruri) {
    return badRequest('malformed SIP Request-URI');
  }
  // RFC 3261 section 19.1.1 (table 1): headers are not allowed in a Request-URI.
  if (ruri.headers !== undefined) {
    return badRequest('headers in the Request-URI');
  }
  return undefined;
}

/** RFC 3261 section 8.2.2.3: Require with unknown option tags gets 420 (not for ACK/CANCEL). */
function checkRequire(
  headers: readonly HeaderLine[],
  method: string,
  options: DecodeOptions,
): Rejection | undefined {
  if (method === 'ACK' || method === 'CANCEL') {
    return undefined;
  }
  const supported = new Set((options.supported ?? []).map((t) => t.toLowerCase()));
  const required = headers
    .filter((h) => h.name === 'require')
    .flatMap((h) => h.value.split(','))
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const unsupported = required.filter((t) => !supported.has(t.toLowerCase()));
  if (unsupported.length === 0) {
    return undefined;
  }
  return {
    status: 420,
    reason: 'Bad Extension',
    detail: 'unsupported Require',
    extra: [`Unsupported: ${unsupported.join(', ')}`],
  };
}

/** The value of the first header line of that name. */
function firstValue(headers: readonly HeaderLine[], name: string): string | undefined {
  return headers.find((h) => h.name === name)?.value;
}

function toSipAddress(a: ParsedAddress): { name?: string; uri: string; params: SipParams } {
  return a.name === undefined
    ? { uri: a.uri, params: a.params }
    : { name: a.name, uri: a.uri, params: a.params };
}

/** Checks a response; nobody is answered for a bad one, so every failure is a drop. */
function decodeResponse(f: Framed): DecodedDatagram {
  const { startLine, headers, badHeader, terminated, section, bodyAll } = f;
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
  const cseq = CSEQ_RE.exec(firstValue(headers, 'cseq') ?? '');
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
  const from = parseAddress(firstValue(headers, 'from') ?? '');
  const to = parseAddress(firstValue(headers, 'to') ?? '');
  const callId = firstValue(headers, 'call-id');
  if (!via || !from || !to || callId === undefined) {
    return { kind: 'drop', detail: 'missing or malformed Via, From, To or Call-ID' };
  }
  let body = bodyAll;
  const cl = firstValue(headers, 'content-length');
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
