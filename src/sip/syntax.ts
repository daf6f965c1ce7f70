/**
 * The syntax of SIP header values and URIs (RFC 3261 section 25, IPv6 references per
 * RFC 5118): comma lists, generic parameters, SIP and SIPS URIs, name-addr and addr-spec, and
 * Via. Each parser is strict and returns `undefined` for what does not match. It must not
 * know datagrams or whole messages, nor what a failure leads to (`wire.ts` decides that).
 */
import type { SipParams, SipVia } from './message.js';

/** RFC 3261 section 25.1 token. */
export const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
const VIA_RE = new RegExp(
  `^SIP[ \\t]*/[ \\t]*(\\d+\\.\\d+)[ \\t]*/[ \\t]*(${TOKEN})[ \\t]+(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9\\-.]+)(?:[ \\t]*:[ \\t]*(\\d{1,5}))?(.*)$`,
  's',
);

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

/** Character classes of the parameter grammar, by char code below 128. */
const TOKEN_CHAR = charClass("A-Za-z0-9-.!%*_+`'~");
const HEX_COLON_CHAR = charClass('0-9A-Fa-f:.');

/** A lookup table of the characters a class of `a-z`-style ranges and single characters holds. */
function charClass(spec: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < spec.length; i++) {
    const from = spec.charCodeAt(i);
    if (spec[i + 1] === '-' && i + 2 < spec.length) {
      const to = spec.charCodeAt(i + 2);
      for (let c = from; c <= to; c++) {
        table[c] = 1;
      }
      i += 2;
    } else {
      table[from] = 1;
    }
  }
  return table;
}

/** Whether the character at `i` is in the class (false past the end). */
function isIn(table: Uint8Array, text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c < 128 && table[c] === 1;
}

/** The index of the first character at or after `i` that is not a space or a tab. */
function skipBlanks(text: string, i: number): number {
  let j = i;
  while (j < text.length && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) {
    j++;
  }
  return j;
}

/**
 * The end of a parameter value starting at `i`, or -1 when none starts there. The value is,
 * in this order of preference: a quoted string, an IPv6 reference in brackets, a run of hex
 * digits, colons and dots ending at white space, a semicolon or the end (an IPv6 address
 * without brackets), or a token.
 */
function paramValueEnd(text: string, i: number): number {
  const n = text.length;
  if (text.charCodeAt(i) === 34) {
    // A quoted string: any character but a quote or backslash, or a backslash and any one.
    for (let k = i + 1; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c === 92) {
        if (k + 1 >= n) {
          break;
        }
        k++;
      } else if (c === 34) {
        return k + 1;
      }
    }
  }
  if (text.charCodeAt(i) === 91) {
    let k = i + 1;
    while (isIn(HEX_COLON_CHAR, text, k)) {
      k++;
    }
    if (k > i + 1 && text.charCodeAt(k) === 93) {
      return k + 1;
    }
  }
  let k = i;
  while (isIn(HEX_COLON_CHAR, text, k)) {
    k++;
  }
  if (k > i) {
    const c = text.charCodeAt(k);
    if (k === n || c === 32 || c === 9 || c === 59) {
      return k;
    }
  }
  k = i;
  while (isIn(TOKEN_CHAR, text, k)) {
    k++;
  }
  return k > i ? k : -1;
}

/**
 * Parses `;name[=value]` parameters (RFC 3261 section 25.1 generic-param). Returns `undefined`
 * on an empty parameter (`;;`), a non-token name, or a malformed value. A scanner rather than
 * a regular expression: it runs for every Via, From, To and Contact of every message.
 */
export function parseParams(text: string): SipParams | undefined {
  const params: SipParams = {};
  const rest = text.trim();
  const n = rest.length;
  let i = 0;
  while (i < n) {
    if (rest.charCodeAt(i) !== 59) {
      return undefined;
    }
    const nameStart = skipBlanks(rest, i + 1);
    let nameEnd = nameStart;
    while (isIn(TOKEN_CHAR, rest, nameEnd)) {
      nameEnd++;
    }
    if (nameEnd === nameStart) {
      return undefined;
    }
    let value: string | null = null;
    i = nameEnd;
    const eq = skipBlanks(rest, nameEnd);
    if (rest.charCodeAt(eq) === 61) {
      const valueStart = skipBlanks(rest, eq + 1);
      const valueEnd = paramValueEnd(rest, valueStart);
      if (valueEnd < 0) {
        return undefined;
      }
      value = rest.slice(valueStart, valueEnd);
      i = valueEnd;
    }
    params[rest.slice(nameStart, nameEnd).toLowerCase()] = value;
    i = skipBlanks(rest, i);
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
