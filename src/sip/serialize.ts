/**
 * Serializes a SIP message object (the layout of `message.ts`) into its wire text, byte for
 * byte as the `sip` package's `stringify` writes it (a test holds the two together), in one
 * pass without regular expressions or intermediate arrays: it runs for every message a stack
 * sends. Like the package, it sets `Content-Length` from the body.
 *
 * It must not know sockets, transactions or what a message means.
 */
import type { SipAddress, SipMessage, SipParams, SipVia } from './message.js';

/** A URI as the `sip` package may hold it: text, or the parts of a parsed one. */
interface UriParts {
  readonly schema?: string;
  readonly user?: string;
  readonly password?: string;
  readonly host: string;
  readonly port?: number;
  readonly params?: SipParams;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Header names as written on the wire, by lower-case name, made once each. */
const PRETTY = new Map<string, string>([
  ['call-id', 'Call-ID'],
  ['cseq', 'CSeq'],
  ['www-authenticate', 'WWW-Authenticate'],
]);
const MAX_PRETTY = 512;

/** `max-forwards` -> `Max-Forwards`: every letter after a word boundary upper case. */
function prettyName(name: string): string {
  const known = PRETTY.get(name);
  if (known !== undefined) {
    return known;
  }
  let out = '';
  let boundary = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    out += boundary && c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : name[i];
    boundary = !word;
  }
  if (PRETTY.size < MAX_PRETTY) {
    PRETTY.set(name, out);
  }
  return out;
}

/** `;name=value;flag` (a parameter without a value, or with an empty one, is a flag). */
function params(p: SipParams | undefined): string {
  let s = '';
  for (const name in p) {
    const value = p[name];
    s += value ? `;${name}=${value}` : `;${name}`;
  }
  return s;
}

/** A URI held as text or as parts. */
function uri(u: string | UriParts): string {
  if (typeof u === 'string') {
    return u;
  }
  let s = `${u.schema ?? 'sip'}:`;
  if (u.user) {
    s += u.password ? `${u.user}:${u.password}@` : `${u.user}@`;
  }
  s += u.host;
  if (u.port) {
    s += `:${u.port}`;
  }
  if (u.params) {
    s += params(u.params);
  }
  if (u.headers) {
    let h = '';
    for (const k of Object.keys(u.headers)) {
      h += `${h.length > 0 ? '&' : ''}${k}=${u.headers[k]}`;
    }
    if (h.length > 0) {
      s += `?${h}`;
    }
  }
  return s;
}

/** A name-addr: `name <uri>;params` (the name may be empty, the space stays). */
function address(a: SipAddress): string {
  return `${a.name || ''} <${uri(a.uri)}>${params(a.params)}`;
}

/** A list of name-addrs joined with a comma and a space. */
function addresses(list: readonly SipAddress[]): string {
  let s = '';
  for (let i = 0; i < list.length; i++) {
    s += i === 0 ? address(list[i]!) : `, ${address(list[i]!)}`;
  }
  return s;
}

/** Authentication parameters: `scheme k=v,k=v`. */
function auth(a: Readonly<Record<string, unknown>>): string {
  let s = '';
  for (const n in a) {
    const v = a[n];
    if (n !== 'scheme' && (typeof v === 'string' || typeof v === 'number')) {
      s += `${s.length > 0 ? ',' : ''}${n}=${v}`;
    }
  }
  return typeof a.scheme === 'string' && a.scheme ? `${a.scheme} ${s}` : s;
}

/** One header (all its lines) of a structured kind, or `undefined` for a plain one. */
function structured(name: string, value: unknown): string | undefined {
  switch (name) {
    case 'via': {
      let s = '';
      for (const v of value as readonly SipVia[]) {
        if (v.host) {
          const port = v.port ? `:${v.port}` : '';
          s += `Via: SIP/${v.version || '2.0'}/${v.protocol.toUpperCase()} ${v.host}${port}${params(v.params)}\r\n`;
        }
      }
      return s;
    }
    case 'to':
      return `To: ${address(value as SipAddress)}\r\n`;
    case 'from':
      return `From: ${address(value as SipAddress)}\r\n`;
    case 'contact': {
      const list = value as readonly SipAddress[] | '*';
      return `Contact: ${list !== '*' && list.length > 0 ? addresses(list) : '*'}\r\n`;
    }
    case 'route':
    case 'record-route':
    case 'path': {
      const list = value as readonly SipAddress[];
      return list.length > 0 ? `${prettyName(name)}: ${addresses(list)}\r\n` : '';
    }
    case 'cseq': {
      const c = value as { seq: number; method: string };
      return `CSeq: ${c.seq} ${c.method}\r\n`;
    }
    case 'www-authenticate':
    case 'proxy-authenticate':
    case 'authorization':
    case 'proxy-authorization': {
      let s = '';
      for (const x of value as readonly Record<string, unknown>[]) {
        s += `${prettyName(name)}: ${auth(x)}\r\n`;
      }
      return s;
    }
    case 'authentication-info':
      return `Authentication-Info: ${auth(value as Record<string, unknown>)}\r\n`;
    case 'refer-to':
      return `Refer-To: ${address(value as SipAddress)}\r\n`;
    default:
      return undefined;
  }
}

/**
 * The wire text of a message (latin1: one character per byte). Sets
 * `headers['content-length']` to the body's length, as the `sip` package does; headers held as
 * text are written verbatim, in the order of the header map.
 */
export function serializeMessage(m: SipMessage): string {
  const version = m.version || '2.0';
  let s =
    'status' in m && m.status
      ? `SIP/${version} ${m.status} ${m.reason}\r\n`
      : `${(m as { method: string }).method} ${uri((m as { uri: string | UriParts }).uri)} SIP/${version}\r\n`;
  const content = m.content || '';
  const headers = m.headers;
  headers['content-length'] = content.length;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) {
      continue;
    }
    const text = typeof value === 'string' ? undefined : structured(name, value);
    s += text ?? `${prettyName(name)}: ${value as string}\r\n`;
  }
  s += '\r\n';
  return content ? s + content : s;
}
