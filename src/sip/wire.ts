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
 *
 * Framing and the index of header lines are in `wire-frame.ts`. The checks parse every header
 * the simulator relies on (Via, From, To, Call-ID, CSeq, Contact, Content-Length) with the
 * parsers of `syntax.ts`; the message object is built from those results in the package's
 * layout rather than by parsing the same lines a second time with the package (which cost
 * about 7 % of a relayed call's CPU), and the package parses the headers it has structures of
 * its own for (Route, authentication). The package writes every message (`messageText`).
 *
 * It must not know sockets, transactions or what a message means to a call.
 */
import * as sip from 'sip';
import type { SipMessageHeaders, SipParams, SipRequest, SipResponse, SipVia } from './message.js';
import {
  parseAddress,
  parseSipUri,
  parseVia,
  splitList,
  TOKEN,
  uriScheme,
  type ParsedAddress,
} from './syntax.js';
import {
  frame,
  REQUIRED,
  SINGLE,
  SPECIAL,
  type Framed,
  type HeaderIndex,
  type HeaderLine,
} from './wire-frame.js';

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
const CSEQ_RE = new RegExp(`^(\\d+)[ \\t]+(${TOKEN})$`);
const MAX_UINT32 = 4294967295;

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
 * Decodes one UDP datagram; `text` is its latin1 text when the caller has made it already.
 * Never throws: every failure becomes a `reject` or a `drop`.
 */
export function decodeDatagram(
  data: Buffer,
  options: DecodeOptions = {},
  text?: string,
): DecodedDatagram {
  try {
    return decode(data, options, text);
  } catch (e) {
    return { kind: 'drop', detail: `decoder failure: ${String(e)}` };
  }
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

function decode(data: Buffer, options: DecodeOptions, text?: string): DecodedDatagram {
  const limit = options.maxBytes ?? MAX_DATAGRAM_BYTES;
  const framed = frame(data.length > limit ? data.subarray(0, limit) : (text ?? data));
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
  const index = f.index;
  const counted = checkHeaderCounts(index);
  if (counted !== undefined) {
    return counted;
  }
  const ids = checkCallIdAndCSeq(index, line.method);
  if (isRejection(ids)) {
    return ids;
  }
  const vias = parseRequestVias(index);
  if (isRejection(vias)) {
    return vias;
  }
  const addresses = checkAddresses(index);
  if (isRejection(addresses)) {
    return addresses;
  }
  const maxForwards = index.first['max-forwards'];
  if (maxForwards !== undefined && !/^\d{1,10}$/.test(maxForwards)) {
    return badRequest('bad Max-Forwards');
  }
  const body = frameRequestBody(index, f.bodyAll);
  if (typeof body !== 'string') {
    return body;
  }
  const fault =
    checkRequestUri(line.requestUri) ??
    (index.require ? checkRequire(f.headers, line.method, options) : undefined);
  if (fault !== undefined) {
    return fault;
  }
  const headers = buildHeaders(f, {
    via: vias,
    from: addresses.from,
    to: addresses.to,
    callId: ids.callId,
    cseq: { seq: Number(ids.seq), method: ids.method },
    contact: addresses.contact,
    contentLength: body.length,
  });
  if (maxForwards !== undefined) {
    headers['max-forwards'] = maxForwards;
  }
  const message: SipRequest = {
    method: line.method,
    uri: line.requestUri,
    version: '2.0',
    headers,
    content: body,
  };
  return { kind: 'request', message };
}

/** The headers of a message that are read once and checked before the message is built. */
interface CheckedHeaders {
  readonly via: SipVia[];
  readonly from: ParsedAddress;
  readonly to: ParsedAddress;
  readonly callId: string;
  readonly cseq: { seq: number; method: string };
  /** The Contact, `*`, or `undefined` when it is to be parsed from the lines. */
  readonly contact: SipMessageHeaders['contact'];
  readonly contentLength: number;
}

/**
 * The header map of a message, in the order the headers first appear (as the `sip` package
 * gives it): the checked headers as parsed, Contact as a list of addresses (or `*`), the
 * package's structured headers through its own parser, and every other header as its text
 * (repeated ones joined with a comma). A structured header the package cannot parse is left
 * out, as the package does.
 */
function buildHeaders(f: Framed, checked: CheckedHeaders): SipMessageHeaders {
  const headers: Record<string, unknown> = {};
  for (const h of f.headers) {
    const name = h.name;
    switch (name) {
      case 'via':
        headers.via = checked.via;
        break;
      case 'from':
        headers.from = toSipAddress(checked.from);
        break;
      case 'to':
        headers.to = toSipAddress(checked.to);
        break;
      case 'call-id':
        headers['call-id'] = checked.callId;
        break;
      case 'cseq':
        headers.cseq = checked.cseq;
        break;
      case 'content-length':
        headers['content-length'] = checked.contentLength;
        break;
      case 'contact':
        if (headers.contact === undefined) {
          headers.contact = checked.contact ?? contactsOf(f.index);
        }
        break;
      default: {
        if (SPECIAL.has(name)) {
          if (!(name in headers)) {
            const parsed = specialHeader(f.headers, name);
            if (parsed !== undefined) {
              headers[name] = parsed;
            }
          }
          break;
        }
        const before = Object.hasOwn(headers, name) ? headers[name] : undefined;
        headers[name] =
          typeof before === 'string' && before !== '' ? `${before},${h.value}` : h.value;
      }
    }
  }
  headers['content-length'] = checked.contentLength;
  return headers as unknown as SipMessageHeaders;
}

/** Every Contact of a response, leniently: the parts that do not parse are left out. */
function contactsOf(index: HeaderIndex): SipMessageHeaders['contact'] {
  if (index.contacts[0] === '*') {
    return '*';
  }
  const out: { name?: string; uri: string; params: SipParams }[] = [];
  for (const line of index.contacts) {
    for (const part of splitList(line)) {
      const a = parseAddress(part);
      if (a) {
        out.push(toSipAddress(a));
      }
    }
  }
  return out;
}

/**
 * A header the `sip` package parses into a structure of its own (Route with parsed URIs,
 * authentication parameters), from all its lines; `undefined` when the package drops it.
 */
function specialHeader(lines: readonly HeaderLine[], name: string): unknown {
  let text = 'SIP/2.0 200 OK\r\n';
  for (const h of lines) {
    if (h.name === name) {
      text += `${name}: ${h.value}\r\n`;
    }
  }
  return sip.parse(`${text}\r\n`)?.headers[name];
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
function checkHeaderCounts(index: HeaderIndex): Rejection | undefined {
  for (const name of SINGLE) {
    if (index.counts[name] > 1) {
      return badRequest(`more than one ${name}`);
    }
  }
  for (const name of REQUIRED) {
    if (index.counts[name] === 0) {
      return badRequest(`missing ${name}`);
    }
  }
  return undefined;
}

/** Whether a CSeq number fits in 32 bits (RFC 3261 section 8.1.1.5). */
function cseqInRange(seq: string): boolean {
  let i = 0;
  while (i < seq.length - 1 && seq.charCodeAt(i) === 48) {
    i++;
  }
  return seq.length - i <= 10 && Number(seq) <= MAX_UINT32;
}

/** The Call-ID, and the CSeq's number and method against the request's method. */
function checkCallIdAndCSeq(index: HeaderIndex, method: string): RequestIds | Rejection {
  const callId = index.first['call-id'] ?? '';
  if (callId.length === 0 || /[\s,]/.test(callId)) {
    return badRequest('bad Call-ID');
  }
  const cseq = CSEQ_RE.exec(index.first.cseq ?? '');
  if (!cseq?.[1] || !cseq[2]) {
    return badRequest('bad CSeq');
  }
  // RFC 3261 section 8.1.1.5: the CSeq number is a 32-bit unsigned integer.
  if (!cseqInRange(cseq[1])) {
    return badRequest('CSeq number above 2^32-1');
  }
  // RFC 3261 section 8.2.2 via 20.16: the CSeq method matches the request method.
  if (cseq[2] !== method) {
    return badRequest('CSeq method does not match the Request-Line');
  }
  return { callId, seq: cseq[1], method: cseq[2] };
}

/** Every Via value of every Via line, each one well formed. */
function parseRequestVias(index: HeaderIndex): SipVia[] | Rejection {
  const vias: SipVia[] = [];
  for (const line of index.vias) {
    for (const part of splitList(line)) {
      const via = parseVia(part);
      if (!via) {
        return badRequest('malformed Via');
      }
      vias.push(via);
    }
  }
  return vias;
}

/** From, To and Contact, parsed. */
interface Addresses {
  readonly from: ParsedAddress;
  readonly to: ParsedAddress;
  readonly contact: SipMessageHeaders['contact'];
}

/** From and To, and every Contact unless it is `*`. */
function checkAddresses(index: HeaderIndex): Addresses | Rejection {
  const from = parseAddress(index.first.from ?? '');
  if (!from) {
    return badRequest('malformed from');
  }
  const to = parseAddress(index.first.to ?? '');
  if (!to) {
    return badRequest('malformed to');
  }
  if (index.contacts.length === 0) {
    return { from, to, contact: undefined };
  }
  if (index.contacts[0] === '*') {
    return { from, to, contact: '*' };
  }
  const contact: { name?: string; uri: string; params: SipParams }[] = [];
  for (const line of index.contacts) {
    for (const part of splitList(line)) {
      const a = parseAddress(part);
      if (a === undefined) {
        return badRequest('malformed Contact');
      }
      contact.push(toSipAddress(a));
    }
  }
  return { from, to, contact };
}

/** RFC 3261 section 18.3: over UDP the Content-Length frames the body; the rest is ignored. */
function frameRequestBody(index: HeaderIndex, bodyAll: string): string | Rejection {
  const cl = index.first['content-length'];
  if (cl === undefined) {
    return bodyAll;
  }
  if (!/^\d{1,10}$/.test(cl)) {
    return badRequest('bad Content-Length');
  }
  const length = Number(cl);
  // The text is latin1: one character per byte.
  if (length > bodyAll.length) {
    return badRequest('Content-Length larger than the datagram');
  }
  return length === bodyAll.length ? bodyAll : bodyAll.slice(0, length);
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

/** The option tags of each `supported` list, lower case, made once per list. */
const SUPPORTED_SETS = new WeakMap<readonly string[], ReadonlySet<string>>();

function supportedSet(list: readonly string[] | undefined): ReadonlySet<string> {
  if (list === undefined) {
    return new Set();
  }
  let set = SUPPORTED_SETS.get(list);
  if (set === undefined) {
    set = new Set(list.map((t) => t.toLowerCase()));
    SUPPORTED_SETS.set(list, set);
  }
  return set;
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
  const supported = supportedSet(options.supported);
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

function toSipAddress(a: ParsedAddress): { name?: string; uri: string; params: SipParams } {
  return a.name === undefined
    ? { uri: a.uri, params: a.params }
    : { name: a.name, uri: a.uri, params: a.params };
}

/** Checks a response; nobody is answered for a bad one, so every failure is a drop. */
function decodeResponse(f: Framed): DecodedDatagram {
  const { startLine, badHeader, terminated, bodyAll, index } = f;
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
    if (index.counts[name] > 1) {
      return { kind: 'drop', detail: `more than one ${name}` };
    }
  }
  const cseq = CSEQ_RE.exec(index.first.cseq ?? '');
  if (!cseq?.[1] || !cseq[2] || !cseqInRange(cseq[1])) {
    return { kind: 'drop', detail: 'bad CSeq' };
  }
  const topVia = index.vias.length === 0 ? undefined : splitList(index.vias[0]!)[0];
  const via = topVia === undefined ? undefined : parseVia(topVia);
  const from = parseAddress(index.first.from ?? '');
  const to = parseAddress(index.first.to ?? '');
  const callId = index.first['call-id'];
  if (!via || !from || !to || callId === undefined) {
    return { kind: 'drop', detail: 'missing or malformed Via, From, To or Call-ID' };
  }
  let body = bodyAll;
  const cl = index.first['content-length'];
  if (cl !== undefined) {
    if (!/^\d{1,10}$/.test(cl) || Number(cl) > bodyAll.length) {
      return { kind: 'drop', detail: 'bad Content-Length' };
    }
    body = Number(cl) === bodyAll.length ? bodyAll : bodyAll.slice(0, Number(cl));
  }
  const vias: SipVia[] = [via];
  for (let i = 0; i < index.vias.length; i++) {
    const parts = splitList(index.vias[i]!);
    for (let j = i === 0 ? 1 : 0; j < parts.length; j++) {
      const v = parseVia(parts[j]!);
      if (v) {
        vias.push(v);
      }
    }
  }
  const headers = buildHeaders(f, {
    via: vias,
    from,
    to,
    callId,
    cseq: { seq: Number(cseq[1]), method: cseq[2] },
    contact: undefined,
    contentLength: body.length,
  });
  const message: SipResponse = {
    status,
    reason: sl[4] ?? '',
    version: '2.0',
    headers,
    content: body,
  };
  return { kind: 'response', message };
}

/**
 * A message's wire text, written by the `sip` package (which sets Content-Length from the
 * body). The text is latin1, one character per byte, as messages are read.
 */
export function messageText(message: SipRequest | SipResponse): string {
  return sip.stringify(message);
}

/** Serializes a message for the wire (latin1, as messages are read). */
export function encodeMessage(message: SipRequest | SipResponse): Buffer {
  return Buffer.from(messageText(message), 'latin1');
}
