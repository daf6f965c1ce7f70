/**
 * A capture of what the hosts of a loopback run exchanged, in the scenario's own addressing:
 * every datagram a host's socket received (SIP, RTP, RTCP, strangers' packets too) is written
 * with the scenario IPs of its sender and receiver instead of the 127.x addresses that carried
 * it, and SIP messages have the loopback addresses in their headers and SDP rewritten the same
 * way (Content-Length kept right), so that Wireshark finds the RTP from the SDP and shows the
 * lab's addressing and host names. Timestamps are the receiving host's clock.
 *
 * It must not know how hosts handle calls; it only sees datagrams and the run's addresses.
 */
import type { DatagramTap } from '../core/index.js';
import { PcapngWriter } from '../report/index.js';
import type { Addressing } from './addressing.js';

/** Where the capture's bytes go (a file stream the CLI opened). */
export interface CaptureSink {
  write(chunk: Buffer): void;
}

/** Every loopback address in a text: 127.x.y.z, not part of a longer number. */
const LOOPBACK = /(?<![\d.])127\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d])/g;

/** The run's capture: a tap for media and relay sockets, and SIP messages as they arrive. */
export class RunCapture implements DatagramTap {
  readonly #writer: PcapngWriter;
  readonly #scenarioIp = new Map<string, string>();

  constructor(sink: CaptureSink, addressing: Addressing, comment: string) {
    this.#writer = new PcapngWriter((c) => sink.write(c), {
      comment,
      interface: 'mediapath run: scenario addresses (rewritten from loopback)',
    });
    const names = new Map<string, string[]>();
    for (const e of addressing.entries) {
      const ip = e.scenarioIp;
      this.#scenarioIp.set(e.address, ip);
      const list = names.get(ip) ?? [];
      if (!list.includes(e.host)) {
        list.push(e.host);
      }
      names.set(ip, list);
    }
    this.#writer.names([...names].map(([ip, hosts]) => ({ ip, names: hosts })));
  }

  /** Datagrams written so far. */
  get packets(): number {
    return this.#writer.packets;
  }

  received(
    localAddress: string,
    localPort: number,
    remoteAddress: string,
    remotePort: number,
    buf: Uint8Array,
    len: number,
  ): void {
    this.#write(localAddress, localPort, remoteAddress, remotePort, buf.slice(0, len));
  }

  /** A SIP message a host received, with its loopback addresses rewritten. */
  sip(
    localAddress: string,
    localPort: number,
    remoteAddress: string,
    remotePort: number,
    raw: string,
  ): void {
    const text = rewriteSip(raw, (a) => this.#scenarioIp.get(a));
    this.#write(localAddress, localPort, remoteAddress, remotePort, Buffer.from(text, 'utf8'));
  }

  #write(
    local: string,
    localPort: number,
    remote: string,
    remotePort: number,
    payload: Uint8Array,
  ): void {
    this.#writer.packet({
      timeUs: (performance.timeOrigin + performance.now()) * 1000,
      src: this.#scenarioIp.get(remote) ?? remote,
      srcPort: remotePort,
      dst: this.#scenarioIp.get(local) ?? local,
      dstPort: localPort,
      payload,
    });
  }
}

/**
 * A SIP message with every known loopback address replaced (headers and body alike) and its
 * Content-Length set to the new body's length in bytes.
 */
export function rewriteSip(raw: string, map: (address: string) => string | undefined): string {
  const text = raw.replace(LOOPBACK, (a) => map(a) ?? a);
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) {
    return text;
  }
  const head = text.slice(0, split);
  const body = text.slice(split + 4);
  const length = Buffer.byteLength(body, 'utf8');
  const fixed = head.replace(/^(content-length|l)([ \t]*:[ \t]*)\d+/im, `$1$2${length}`);
  return `${fixed}\r\n\r\n${body}`;
}
