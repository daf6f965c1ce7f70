/**
 * The first step of decoding a datagram: framing it into a start line, unfolded header lines
 * with their names expanded and lower-cased, and the body, and indexing the header lines the
 * checks and the message need (first values, counts, every Via and Contact line) in the same
 * pass. It is a scanner over the datagram's text, with no regular expression per line: it runs
 * for every message a stack receives.
 *
 * It must not decide anything about a message (`wire.ts` does), nor know the `sip` package.
 */

/** One header line, unfolded, its name lower case with compact forms expanded. */
export interface HeaderLine {
  readonly name: string;
  readonly value: string;
}

/** A datagram split into start line, header lines and body, before any check. */
export interface Framed {
  readonly startLine: string;
  /** The header lines that parse, so that a rejection can echo them. */
  readonly headers: readonly HeaderLine[];
  /** A header line did not parse, or a line of the header section held a bare CR or LF. */
  readonly badHeader: boolean;
  /** The header section ends with an empty line. */
  readonly terminated: boolean;
  /** The header section, start line included, without the empty line. */
  readonly section: string;
  /** Everything after the empty line, before Content-Length framing. */
  readonly bodyAll: string;
  /** What the checks look up, gathered while framing. */
  readonly index: HeaderIndex;
}

/** RFC 3261 section 7.3.3: the compact header names, and the long names they stand for. */
const COMPACT: ReadonlyMap<string, string> = new Map([
  ['i', 'call-id'],
  ['m', 'contact'],
  ['e', 'content-encoding'],
  ['l', 'content-length'],
  ['c', 'content-type'],
  ['f', 'from'],
  ['s', 'subject'],
  ['k', 'supported'],
  ['t', 'to'],
  ['v', 'via'],
  ['o', 'event'],
  ['r', 'refer-to'],
  ['u', 'allow-events'],
  ['x', 'session-expires'],
]);

/** RFC 3261 section 7.3.1 and 20: headers that must appear at most once. */
export const SINGLE = [
  'call-id',
  'cseq',
  'from',
  'to',
  'max-forwards',
  'content-length',
  'content-type',
] as const;

/** Headers every request carries at least once (RFC 3261 section 8.1.1). */
export const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/** The headers the checks count and look up. */
type Indexed = (typeof SINGLE)[number] | 'via';

/** RFC 3261 section 25.1 token characters, by char code. */
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") {
  TOKEN_CHARS[c.charCodeAt(0)] = 1;
}

/** The header lines the checks need, gathered in one pass. */
export class HeaderIndex {
  /** How many lines of each counted header. */
  readonly counts: Record<Indexed, number> = {
    'call-id': 0,
    cseq: 0,
    from: 0,
    to: 0,
    'max-forwards': 0,
    'content-length': 0,
    'content-type': 0,
    via: 0,
  };
  /** The value of the first line of each counted header. */
  readonly first: Partial<Record<Indexed, string>> = {};
  /** Every Via line's value, in order. */
  readonly vias: string[] = [];
  /** Every Contact line's value, in order. */
  readonly contacts: string[] = [];
  /** Whether any Require line is present (a request may then get 420). */
  require = false;
  /** Whether a header the package parses on its own (Route, auth, ...) is present. */
  special = false;

  /** Notes one header line. */
  add(name: string, value: string): void {
    switch (name) {
      case 'via':
        this.vias.push(value);
        this.#count('via', value);
        return;
      case 'contact':
        this.contacts.push(value);
        return;
      case 'call-id':
      case 'cseq':
      case 'from':
      case 'to':
      case 'max-forwards':
      case 'content-length':
      case 'content-type':
        this.#count(name, value);
        return;
      case 'require':
        this.require = true;
        return;
      default:
        if (SPECIAL.has(name)) {
          this.special = true;
        }
    }
  }

  #count(name: Indexed, value: string): void {
    if (this.counts[name]++ === 0) {
      this.first[name] = value;
    }
  }
}

/**
 * Headers the `sip` package parses into structures of its own (addresses with parsed URIs,
 * authentication parameters); the simulator never reads them, and decodes them with the
 * package so that their shape stays what it was.
 */
export const SPECIAL: ReadonlySet<string> = new Set([
  'route',
  'record-route',
  'path',
  'www-authenticate',
  'proxy-authenticate',
  'authorization',
  'proxy-authorization',
  'authentication-info',
  'refer-to',
]);

/** Names already seen, lower case and expanded, so that each is made once. */
const NAMES = new Map<string, string>();
const MAX_NAMES = 512;

/** The lower-case long name of a header name as written. */
function headerName(raw: string): string {
  const known = NAMES.get(raw);
  if (known !== undefined) {
    return known;
  }
  const lower = raw.toLowerCase();
  const name = COMPACT.get(lower) ?? lower;
  if (NAMES.size < MAX_NAMES) {
    NAMES.set(raw, name);
  }
  return name;
}

/**
 * Splits one header line into name and value (RFC 3261 section 7.3.1: a token, optional
 * blanks, a colon, optional blanks); `undefined` when it is not a header line.
 */
function headerLine(line: string): HeaderLine | undefined {
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] !== 1) {
      break;
    }
    i++;
  }
  if (i === 0) {
    return undefined;
  }
  let j = i;
  while (line.charCodeAt(j) === 32 || line.charCodeAt(j) === 9) {
    j++;
  }
  if (line.charCodeAt(j) !== 58) {
    return undefined;
  }
  return { name: headerName(line.slice(0, i)), value: line.slice(j + 1).trim() };
}

/** Whether a line holds a bare CR or LF. */
function hasBareBreak(line: string): boolean {
  return line.includes('\r') || line.includes('\n');
}

/**
 * Splits the header section into unfolded lines (RFC 3261 section 7.3.1): a line starting
 * with white space continues the one before. `undefined` when a line holds a bare CR or LF.
 */
function headerLines(section: string): string[] | undefined {
  const lines: string[] = [];
  let at = 0;
  for (;;) {
    const end = section.indexOf('\r\n', at);
    const line = end < 0 ? section.slice(at) : section.slice(at, end);
    if (hasBareBreak(line)) {
      return undefined;
    }
    const c = line.charCodeAt(0);
    if ((c === 32 || c === 9) && lines.length > 0) {
      lines[lines.length - 1] = `${lines[lines.length - 1]} ${line.trim()}`;
    } else {
      lines.push(line);
    }
    if (end < 0) {
      return lines;
    }
    at = end + 2;
  }
}

/**
 * Splits a datagram (its bytes, or its latin1 text) into start line, header lines and body
 * (RFC 3261 section 7) and indexes the header lines; returns `undefined` for an empty one.
 */
export function frame(data: Buffer | string): Framed | undefined {
  let text = typeof data === 'string' ? data : data.toString('latin1');
  // RFC 3261 section 7.5: CRLFs before the start line are ignored (keep-alives).
  let start = 0;
  while (text.charCodeAt(start) === 13 && text.charCodeAt(start + 1) === 10) {
    start += 2;
  }
  if (start > 0) {
    text = text.slice(start);
  }
  if (text.length === 0) {
    return undefined;
  }
  const end = text.indexOf('\r\n\r\n');
  const terminated = end >= 0;
  const section = terminated
    ? text.slice(0, end)
    : text.endsWith('\r\n')
      ? text.slice(0, -2)
      : text;
  const bodyAll = terminated ? text.slice(end + 4) : '';
  const lines = headerLines(section);
  const startLine = lines?.[0] ?? section.split(/\r?\n/)[0] ?? '';
  const headers: HeaderLine[] = [];
  const index = new HeaderIndex();
  let badHeader = lines === undefined;
  if (lines !== undefined) {
    for (let i = 1; i < lines.length; i++) {
      const h = headerLine(lines[i]!);
      if (h === undefined) {
        badHeader = true;
        continue;
      }
      headers.push(h);
      index.add(h.name, h.value);
    }
  }
  return { startLine, headers, badHeader, terminated, section, bodyAll, index };
}
