/**
 * Type declarations for the parts of the `sip` package (kirm/sip.js 0.0.6) that mediapath uses.
 *
 * The package is a CommonJS module without its own types. These declarations describe what
 * the code in `node_modules/sip/sip.js` actually does, not what RFC 3261 would want: header
 * values are loosely typed because the parser stores whatever its regular expressions
 * captured, and swallows per-header parse errors.
 */
declare module 'sip' {
  /** A header parameter map: `;name=value` gives `{ name: 'value' }`, `;lr` gives `{ lr: null }`. */
  export type SipParams = Record<string, string | null>;

  /** One Via value as the package parses and serializes it. */
  export interface SipVia {
    version: string;
    protocol: string;
    host: string;
    port?: number | undefined;
    params: SipParams;
  }

  /** A name-addr or addr-spec (From, To, Contact, Route, Refer-To). The URI stays a string. */
  export interface SipAddress {
    name?: string | undefined;
    uri: string;
    params: SipParams;
  }

  /** The CSeq header: sequence number and method. */
  export interface SipCSeq {
    seq: number;
    method: string;
  }

  /**
   * The header map: lower-case long names (compact forms are expanded). Headers the package
   * has no parser for hold the raw value; repeated ones are joined with a comma.
   */
  export interface SipHeaders {
    via?: SipVia[];
    from?: SipAddress;
    to?: SipAddress;
    'call-id'?: string;
    cseq?: SipCSeq;
    contact?: SipAddress[] | '*';
    route?: SipAddress[];
    'record-route'?: SipAddress[];
    'content-length'?: number;
    [name: string]: unknown;
  }

  /** A parsed message: a request has `method` and `uri`, a response has `status` and `reason`. */
  export interface SipParsedMessage {
    method?: string;
    uri?: string;
    status?: number;
    reason?: string;
    version: string;
    headers: SipHeaders;
    content?: string;
  }

  /** A parsed SIP URI. `port` is `NaN` when the URI has none. */
  export interface SipParsedUri {
    schema: string;
    user: string | undefined;
    password: string | undefined;
    host: string;
    port: number;
    params: SipParams;
    headers: Record<string, string>;
  }

  /**
   * Parses one datagram (read as a latin1 string). Returns `undefined` when the start line or
   * any header line does not match the package's expressions; a header whose own parser
   * throws is silently left out.
   */
  export function parse(data: Buffer | string): SipParsedMessage | undefined;

  /**
   * Serializes a message. Sets `headers['content-length']` from `content` as a side effect;
   * string-valued headers are written verbatim.
   */
  export function stringify(message: SipParsedMessage): string;

  /** Parses a `sip:`/`sips:` URI; returns `undefined` for anything else (IPv6 references too). */
  export function parseUri(uri: string): SipParsedUri | undefined;

  /** Serializes a URI; a string is returned unchanged. */
  export function stringifyUri(uri: SipParsedUri | string): string;

  /**
   * Builds a response that copies Via, To, From, Call-ID and CSeq from the request.
   * `extension.headers` are merged in and `extension.content` becomes the body.
   */
  export function makeResponse(
    request: SipParsedMessage,
    status: number,
    reason?: string,
    extension?: { headers?: Record<string, unknown>; content?: string },
  ): SipParsedMessage;

  /**
   * The package's branch generator: `z9hG4bK` followed by `Math.round(Math.random() * 1e6)`,
   * so at most a million distinct values. mediapath does not use it for its own requests.
   */
  export function generateBranch(): string;

  /** Options of `create`/`start`, as far as the UDP transport reads them. */
  export interface SipCreateOptions {
    address?: string;
    port?: number;
    publicAddress?: string;
    hostname?: string;
    udp?: boolean;
    tcp?: boolean;
    rport?: boolean;
    logger?: {
      send?: (message: SipParsedMessage, target: unknown) => void;
      recv?: (message: SipParsedMessage, remote: unknown) => void;
      error?: (error: unknown) => void;
    };
  }

  /** The object `create` returns. */
  export interface SipCreatedStack {
    send(message: SipParsedMessage, callback?: (response: SipParsedMessage) => void): void;
    destroy(): void;
    hostname(): string;
  }

  /**
   * Creates a stack with its own transports and transaction layer. Binds `options.port || 5060`,
   * so port 0 is not possible and the bound port is never reported.
   */
  export function create(
    options: SipCreateOptions,
    onRequest: (request: SipParsedMessage, remote: unknown) => void,
  ): SipCreatedStack;
}
