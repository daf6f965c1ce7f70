/**
 * SIP message shapes and small helpers. Messages keep the layout of the `sip` package
 * (lower-case header names, parsed Via/From/To/CSeq/Contact, other headers as raw strings), so
 * that `sip.stringify` writes them.
 *
 * It must not know sockets, transactions or dialogs.
 */
import { randomFillSync } from 'node:crypto';
import type { SipAddress, SipCSeq, SipParams, SipVia } from 'sip';

export type { SipAddress, SipCSeq, SipParams, SipVia };

/** A transport address: an IPv4 literal and a UDP port. */
export interface SipRemote {
  readonly address: string;
  readonly port: number;
}

/** Headers every valid message carries, plus any others by lower-case name. */
export interface SipMessageHeaders {
  via: SipVia[];
  from: SipAddress;
  to: SipAddress;
  'call-id': string;
  cseq: SipCSeq;
  contact?: SipAddress[] | '*';
  route?: SipAddress[];
  'record-route'?: SipAddress[];
  'content-length'?: number;
  [name: string]: unknown;
}

/** A SIP request. `uri` is the Request-URI as text. */
export interface SipRequest {
  method: string;
  uri: string;
  version: string;
  headers: SipMessageHeaders;
  content: string;
}

/** A SIP response. */
export interface SipResponse {
  status: number;
  reason: string;
  version: string;
  headers: SipMessageHeaders;
  content: string;
}

/** Either kind of message. */
export type SipMessage = SipRequest | SipResponse;

/** True when the message is a request. */
export function isRequest(message: SipMessage): message is SipRequest {
  return (message as Partial<SipRequest>).method !== undefined;
}

/** RFC 3261 section 8.1.1.7: every branch we create starts with this magic cookie. */
export const BRANCH_COOKIE = 'z9hG4bK';

/**
 * A new Via branch: the magic cookie followed by 96 random bits. The `sip` package draws its
 * branches from `Math.random()` with a million possible values, which collide under load.
 */
export function newBranch(): string {
  return BRANCH_COOKIE + randomText(12, 'base64url');
}

/** A new From/To tag (RFC 3261 section 19.3: at least 32 bits of randomness). */
export function newTag(): string {
  return randomText(8, 'hex');
}

/** A new Call-ID, unique across hosts, at the given host. */
export function newCallId(host: string): string {
  return `${randomText(12, 'hex')}@${host}`;
}

/**
 * Crypto-random bytes drawn from a pool refilled 4 KiB at a time: a call draws several
 * branches, tags and a Call-ID, and one system call per draw costs more than the draw.
 */
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

/** `bytes` random bytes as text; each byte of the pool is used once. */
function randomText(bytes: number, encoding: 'hex' | 'base64url'): string {
  if (poolAt + bytes > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const text = POOL.toString(encoding, poolAt, poolAt + bytes);
  poolAt += bytes;
  return text;
}

/** The value of a header held as a raw string, or `undefined`. */
export function headerText(message: SipMessage, name: string): string | undefined {
  const value = message.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The tag parameter of a From or To value. */
export function tagOf(address: SipAddress | undefined): string | undefined {
  const tag = address?.params.tag;
  return tag === null || tag === undefined || tag === '' ? undefined : tag;
}

/** Copies of Via values whose params can be changed safely. */
function copyVias(vias: readonly SipVia[]): SipVia[] {
  const out: SipVia[] = new Array<SipVia>(vias.length);
  for (let i = 0; i < vias.length; i++) {
    const v = vias[i]!;
    out[i] = { ...v, params: { ...v.params } };
  }
  return out;
}

/** A deep enough copy of an address that params can be changed safely. */
export function copyAddress(address: SipAddress): SipAddress {
  const params = { ...address.params };
  return address.name === undefined
    ? { uri: address.uri, params }
    : { name: address.name, uri: address.uri, params };
}

/** The media type of the Content-Type header, lower case, without parameters. */
export function contentTypeOf(message: SipMessage): string | undefined {
  const value = headerText(message, 'content-type');
  if (value === undefined) {
    return undefined;
  }
  return value.split(';')[0]?.trim().toLowerCase();
}

/** The reason phrases mediapath uses (RFC 3261 section 21). */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  483: 'Too Many Hops',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'Version Not Supported',
  603: 'Decline',
};

/** The standard reason phrase for a status code, or a generic one for its class. */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 200 ? 'Progress' : status < 300 ? 'OK' : 'Failure');
}

/** Extra headers and body for a response or request being built. */
export interface MessageExtras {
  /** Headers by lower-case name; string values are written verbatim. */
  readonly headers?: Readonly<Record<string, unknown>>;
  /** The body. */
  readonly content?: string;
}

/**
 * Builds a response to `request` (RFC 3261 section 8.2.6.2): Via, From, To, Call-ID and CSeq are
 * copied; a To tag is added when `toTag` is given and the request's To has none.
 */
export function buildResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  extras?: MessageExtras & { readonly toTag?: string },
): SipResponse {
  const to = copyAddress(request.headers.to);
  if (extras?.toTag !== undefined && tagOf(to) === undefined && status > 100) {
    to.params.tag = extras.toTag;
  }
  const response: SipResponse = {
    status,
    reason: reason ?? reasonPhrase(status),
    version: '2.0',
    headers: {
      via: copyVias(request.headers.via),
      from: copyAddress(request.headers.from),
      to,
      'call-id': request.headers['call-id'],
      cseq: { ...request.headers.cseq },
    },
    content: extras?.content ?? '',
  };
  if (extras?.headers) {
    for (const [name, value] of Object.entries(extras.headers)) {
      response.headers[name.toLowerCase()] = value;
    }
  }
  return response;
}
