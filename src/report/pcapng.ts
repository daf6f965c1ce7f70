/**
 * A pcapng writer for the datagrams of a run, in the scenario's own addressing: each UDP
 * datagram becomes an IPv4 + UDP packet (link type RAW) with the addresses the scenario gives
 * its hosts, host names go into a name resolution block, and the capture says what it is in its
 * section comment. Pure encoding into buffers handed to a sink; it opens no file and no socket.
 *
 * Block layouts follow the pcapng specification (draft-ietf-opsawg-pcapng): every block is
 * `type (4) | total length (4) | body | total length (4)`, little-endian here, bodies padded to
 * 32 bits.
 */

/** Link type 101: raw IP, the packet starts with its IPv4 header. */
const LINKTYPE_RAW = 101;
const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const NRB = 0x00000004;
const EPB = 0x00000006;
const OPT_END = 0;
const OPT_COMMENT = 1;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const NRB_IPV4 = 1;

/** One datagram as a host received it. */
export interface CapturedDatagram {
  /** Microseconds since the Unix epoch, when the host received it. */
  readonly timeUs: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/**
 * Writes a capture block by block. Call `packet` for every datagram, in any order the hosts
 * saw them; `names` once the hosts are known.
 */
export class PcapngWriter {
  readonly #sink: (chunk: Buffer) => void;
  #packets = 0;
  #ipId = 0;

  constructor(sink: (chunk: Buffer) => void, options: { comment: string; interface: string }) {
    this.#sink = sink;
    this.#sink(
      block(SHB, [
        u32(0x1a2b3c4d),
        u16(1),
        u16(0),
        // Section length unknown: -1.
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        options_([[OPT_COMMENT, utf8(options.comment)]]),
      ]),
    );
    this.#sink(
      block(IDB, [
        u16(LINKTYPE_RAW),
        u16(0),
        u32(0),
        options_([
          [IF_NAME, utf8('mediapath')],
          [IF_DESCRIPTION, utf8(options.interface)],
          // Microseconds (the default, said explicitly).
          [IF_TSRESOL, Buffer.from([6])],
        ]),
      ]),
    );
  }

  /** Datagrams written so far. */
  get packets(): number {
    return this.#packets;
  }

  /** A name resolution block: each IPv4 address with its host names. */
  names(entries: readonly { readonly ip: string; readonly names: readonly string[] }[]): void {
    const records: Buffer[] = [];
    for (const e of entries) {
      const ip = ipBytes(e.ip);
      if (!ip || e.names.length === 0) {
        continue;
      }
      const value = Buffer.concat([ip, ...e.names.map((n) => Buffer.from(`${n}\0`, 'utf8'))]);
      records.push(u16(NRB_IPV4), u16(value.length), pad(value));
    }
    records.push(u16(0), u16(0));
    this.#sink(block(NRB, [...records, options_([])]));
  }

  /** One UDP datagram, wrapped in IPv4 and UDP headers with the given addresses. */
  packet(d: CapturedDatagram): void {
    const src = ipBytes(d.src);
    const dst = ipBytes(d.dst);
    if (!src || !dst) {
      return;
    }
    const udpLength = 8 + d.payload.length;
    const total = 20 + udpLength;
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(total & 0xffff, 2);
    this.#ipId = (this.#ipId + 1) & 0xffff;
    ip.writeUInt16BE(this.#ipId, 4);
    ip[8] = 64;
    ip[9] = 17;
    src.copy(ip, 12);
    dst.copy(ip, 16);
    ip.writeUInt16BE(ipChecksum(ip), 10);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(d.srcPort, 0);
    udp.writeUInt16BE(d.dstPort, 2);
    udp.writeUInt16BE(udpLength & 0xffff, 4);
    // A zero UDP checksum means "not computed", which IPv4 allows (RFC 768).
    const data = Buffer.concat([ip, udp, d.payload]);
    const ts = BigInt(Math.max(0, Math.round(d.timeUs)));
    this.#sink(
      block(EPB, [
        u32(0),
        u32(Number(ts >> 32n)),
        u32(Number(ts & 0xffffffffn)),
        u32(data.length),
        u32(data.length),
        pad(data),
        options_([]),
      ]),
    );
    this.#packets++;
  }
}

function block(type: number, parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length = body.length + 12;
  return Buffer.concat([u32(type), u32(length), body, u32(length)]);
}

/** Options, each `code (2) | length (2) | value padded`, then the end-of-options marker. */
function options_(list: readonly (readonly [number, Buffer])[]): Buffer {
  if (list.length === 0) {
    return Buffer.alloc(0);
  }
  const parts: Buffer[] = [];
  for (const [code, value] of list) {
    parts.push(u16(code), u16(value.length), pad(value));
  }
  parts.push(u16(OPT_END), u16(0));
  return Buffer.concat(parts);
}

function pad(b: Buffer): Buffer {
  const rest = b.length % 4;
  return rest === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - rest)]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n & 0xffff, 0);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

function ipBytes(ip: string): Buffer | null {
  const parts = ip.split('.');
  if (parts.length !== 4) {
    return null;
  }
  const bytes = parts.map(Number);
  return bytes.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) ? Buffer.from(bytes) : null;
}

/** The IPv4 header checksum (RFC 791): ones' complement of the ones' complement sum. */
function ipChecksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) {
    sum += h.readUInt16BE(i);
  }
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}
