/**
 * The media endpoint of an emulated client or gateway: one UDP socket on a 127.x address
 * that sends a G.711 stream and records what it receives.
 *
 * Sending: PCMU (PT 0) or PCMA (PT 8), 20 ms packets of 160 payload bytes, the timestamp
 * advancing by 160 per packet (8 kHz clock), random SSRC, initial sequence number and
 * timestamp (RFC 3550 section 5.1). The first 8 payload bytes carry the send time as a
 * float64 (big endian, milliseconds since the Unix epoch with sub-millisecond resolution),
 * so that a receiver on the same machine measures one-way latency:
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                RTP header (12 bytes, no CSRC)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          send time, float64 ms since the epoch (8 bytes)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 G.711 silence (152 bytes)                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * RTCP is multiplexed on the same port (RFC 5761): a sender report (or a receiver report
 * while nothing was sent) at start, about every second, and at stop (RFC 3550 section 6.4).
 *
 * Receiving: every packet is classified; malformed or foreign ones are counted by reason.
 * Valid RTP is accounted per source address and port: packets, bytes, RFC 3550 loss and
 * jitter, and latency in an HDR histogram.
 *
 * All endpoints share one coarse ticker instead of a timer each.
 */
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import {
  ErrorCodes,
  SimError,
  systemClock,
  type Clock,
  type ComponentLogger,
  type DatagramEgress,
  type DatagramTap,
} from '../core/index.js';
import {
  classifyPacket,
  PacketClass,
  VERDICT_COUNT,
  VERDICT_NAMES,
  type DropReasonName,
} from './classifier.js';
import { checkMediaPeer } from './media-address.js';
import type { TransportAddress } from './relay-types.js';
import {
  rtpHeaderLength,
  rtpPaddingLength,
  rtpSequenceNumber,
  rtpSsrc,
  rtpTimestamp,
} from './rtp-header.js';
import { StreamStatsTable, type StreamStatsSnapshot } from './stats.js';
import { CoarseTicker, type Tickable } from './ticker.js';

/** G.711 payload types (RFC 3551 section 6). */
export type G711PayloadType = 0 | 8;

/** Packet interval in milliseconds. */
export const PTIME_MS = 20;
/** G.711 bytes per 20 ms packet at 8 kHz. */
export const G711_PAYLOAD_BYTES = 160;
const CLOCK_RATE = 8000;
const RTCP_INTERVAL_MS = 1000;
/** Packets sent at most per tick when the endpoint has fallen behind. */
const MAX_CATCH_UP = 5;
/** Send buffers in rotation: a buffer is reused only after this many newer sends. */
const SEND_RING = 16;
const SEND_RING_IMPAIRED = 128;
/** Sources tracked at most per endpoint; more are counted as strangers. */
const MAX_SOURCES = 64;

/** Options of {@link MediaEndpoint.create}. */
export interface MediaEndpointOptions {
  /** Local address (a 127.x address in loopback mode). */
  readonly bindAddress: string;
  /** Local port; 0 (the default) lets the OS choose. */
  readonly port?: number | undefined;
  /** PCMU (0, the default) or PCMA (8). */
  readonly payloadType?: G711PayloadType | undefined;
  /** Where to send; may be set or changed later with {@link MediaEndpoint.setRemote}. */
  readonly remote?: TransportAddress | undefined;
  /** Stop sending after this many milliseconds from `start()`; omitted: until `stop()`. */
  readonly durationMs?: number | undefined;
  /** The shared ticker (default: one per process, every 2 ms). */
  readonly ticker?: CoarseTicker | undefined;
  /** Time source for scheduling (default: the system clock). */
  readonly clock?: Clock | undefined;
  /** CNAME for RTCP SDES (default `mediapath@<address>`). */
  readonly cname?: string | undefined;
  /**
   * Sends through this (link impairment in user space) instead of straight to the socket.
   * RTP buffers are then reused only after SEND_RING_IMPAIRED packets (2.56 s), so an egress
   * may hold a packet that long.
   */
  readonly egress?: DatagramEgress | undefined;
  /** Told of every datagram the endpoint receives, before any check (a capture of the run). */
  readonly tap?: DatagramTap | undefined;
  /**
   * While sending, no valid RTP received for this long emits `inactive` once (the peer is
   * gone: a media timeout). Counted from `start()`; 0 or absent: off.
   */
  readonly inactivityTimeoutMs?: number | undefined;
}

/** Latency figures of one source, in milliseconds. */
export interface LatencyReport {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly samples: number;
}

/** What an endpoint received from one source address and port. */
export interface SourceReport {
  /** `address:port` of the sender as seen on the wire. */
  readonly source: string;
  readonly address: string;
  readonly port: number;
  readonly ssrc: number;
  readonly packets: number;
  readonly bytes: number;
  readonly rtcpPackets: number;
  readonly expected: number;
  readonly lost: number;
  readonly fractionLost: number;
  readonly jitterMs: number;
  readonly latencyMs: LatencyReport | null;
}

/** A plain-object report of an endpoint. */
export interface EndpointReport {
  readonly local: TransportAddress;
  readonly remote: TransportAddress | null;
  readonly payloadType: G711PayloadType;
  readonly ssrc: number;
  readonly state: 'idle' | 'sending' | 'stopped' | 'closed';
  readonly sent: { readonly packets: number; readonly bytes: number; readonly rtcp: number };
  readonly sources: readonly SourceReport[];
  /** Received packets dropped, by reason (only reasons seen). */
  readonly dropped: Partial<Record<DropReasonName, number>>;
}

/** Events of an endpoint. */
export type EndpointEvents = {
  /** Sending stopped (duration reached or `stop()`). */
  stopped: [];
  /** No valid RTP arrived for the inactivity timeout while sending (once). */
  inactive: [idleMs: number];
};

let defaultTicker: CoarseTicker | undefined;

/** The process-wide ticker shared by endpoints that were not given one. */
export function sharedEndpointTicker(): CoarseTicker {
  defaultTicker ??= new CoarseTicker(2, systemClock);
  return defaultTicker;
}

/** Per-source receive state. */
class Source {
  readonly address: string;
  readonly port: number;
  readonly slot: number;
  readonly histogram: RecordableHistogram;
  rtcp = 0;

  constructor(address: string, port: number, slot: number) {
    this.address = address;
    this.port = port;
    this.slot = slot;
    this.histogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  }
}

/** A media endpoint: one socket, one outgoing G.711 stream, per-source receive figures. */
export class MediaEndpoint extends EventEmitter<EndpointEvents> implements Tickable {
  readonly #socket: dgram.Socket;
  readonly #ticker: CoarseTicker;
  readonly #clock: Clock;
  readonly #log: ComponentLogger | undefined;
  readonly #payloadType: G711PayloadType;
  readonly #durationMs: number | undefined;
  readonly #cname: string;
  readonly #ssrc: number;
  readonly #ring: Buffer[];
  readonly #egress: DatagramEgress | null;
  readonly #tap: DatagramTap | null;
  readonly #inactivityMs: number;
  /** When valid RTP last arrived (or sending started), clock ms; the timeout was reported. */
  #lastRtpAt = 0;
  #inactiveReported = false;
  #ringIndex = 0;
  #seq: number;
  #timestamp: number;
  #remote: TransportAddress | null;
  #state: EndpointReport['state'] = 'idle';
  #startedAt = 0;
  #nextSendAt = 0;
  #nextRtcpAt = 0;
  #sentPackets = 0;
  #sentBytes = 0;
  #sentRtcp = 0;
  readonly #sources = new Map<string, Source>();
  #lastSource: Source | null = null;
  readonly #stats = new StreamStatsTable(MAX_SOURCES);
  readonly #drops = new Float64Array(VERDICT_COUNT);
  #local: TransportAddress = { address: '', port: 0 };
  readonly #onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    this.#receive(msg, rinfo);
  };

  private constructor(options: MediaEndpointOptions, logger: ComponentLogger | undefined) {
    super();
    this.#socket = dgram.createSocket('udp4');
    this.#ticker = options.ticker ?? sharedEndpointTicker();
    this.#clock = options.clock ?? systemClock;
    this.#log = logger;
    this.#payloadType = options.payloadType ?? 0;
    this.#durationMs = options.durationMs;
    this.#cname = options.cname ?? `mediapath@${options.bindAddress}`;
    this.#ssrc = randomInt(1, 0xffffffff);
    this.#seq = randomInt(0, 0x10000);
    this.#timestamp = randomInt(0, 0xffffffff);
    this.#remote = options.remote ?? null;
    // Outgoing packets are built in a ring of buffers: a buffer handed to send() is not
    // written again until SEND_RING newer packets have gone out (320 ms).
    const silence = this.#payloadType === 0 ? 0xff : 0xd5;
    this.#egress = options.egress ?? null;
    this.#tap = options.tap ?? null;
    this.#inactivityMs = options.inactivityTimeoutMs ?? 0;
    this.#ring = Array.from({ length: this.#egress ? SEND_RING_IMPAIRED : SEND_RING }, () => {
      const b = Buffer.alloc(12 + G711_PAYLOAD_BYTES, silence);
      b[0] = 0x80;
      b[1] = this.#payloadType;
      b.writeUInt32BE(this.#ssrc, 8);
      return b;
    });
  }

  /**
   * Creates an endpoint and binds its socket.
   *
   * @throws TypeError for a bad address or payload type; SimError `MEDIA_BIND` when the
   *   socket cannot be bound.
   */
  static async create(
    options: MediaEndpointOptions,
    logger?: ComponentLogger,
  ): Promise<MediaEndpoint> {
    if (!isIPv4(options.bindAddress)) {
      throw new TypeError(`bindAddress must be an IPv4 literal, got ${options.bindAddress}`);
    }
    if (
      options.payloadType !== undefined &&
      options.payloadType !== 0 &&
      options.payloadType !== 8
    ) {
      throw new TypeError(
        `payloadType must be 0 (PCMU) or 8 (PCMA), got ${String(options.payloadType)}`,
      );
    }
    if (options.remote !== undefined) {
      checkRemote(options.remote);
    }
    const endpoint = new MediaEndpoint(options, logger?.child({ mod: 'media.endpoint' }));
    await endpoint.#bind(options.bindAddress, options.port ?? 0);
    return endpoint;
  }

  /** The bound local address. */
  get local(): TransportAddress {
    return this.#local;
  }

  /** The SSRC of the outgoing stream. */
  get ssrc(): number {
    return this.#ssrc;
  }

  /**
   * Sets or changes where packets go (for example after a re-INVITE to the relay).
   *
   * @throws TypeError for a bad address, or one that is not unicast.
   */
  setRemote(remote: TransportAddress): void {
    checkRemote(remote);
    this.#remote = { address: remote.address, port: remote.port };
  }

  /** Starts sending every 20 ms (packets wait until a remote is set). */
  start(): void {
    if (this.#state !== 'idle') {
      return;
    }
    this.#state = 'sending';
    const now = this.#clock.now();
    this.#startedAt = now;
    this.#nextSendAt = now;
    this.#nextRtcpAt = now;
    this.#lastRtpAt = now;
    this.#ticker.add(this);
  }

  /** Stops sending; a last RTCP report goes out. Receiving continues until `close()`. */
  stop(): void {
    if (this.#state !== 'sending') {
      return;
    }
    this.#ticker.remove(this);
    this.#state = 'stopped';
    this.#sendRtcp();
    this.emit('stopped');
  }

  /**
   * Stops sending and frees the socket. Idempotent. With `silent`, no last RTCP report goes
   * out (the endpoint vanishes, as when its process is killed).
   */
  close(options: { readonly silent?: boolean } = {}): void {
    if (this.#state === 'closed') {
      return;
    }
    if (options.silent === true) {
      this.#remote = null;
    }
    this.stop();
    this.#ticker.remove(this);
    this.#state = 'closed';
    this.#socket.off('message', this.#onMessage);
    try {
      this.#socket.close();
    } catch {
      // Already closed.
    }
  }

  /** Sends what is due; called by the shared ticker. */
  onTick(now: number): void {
    if (this.#state !== 'sending') {
      return;
    }
    if (this.#durationMs !== undefined && now - this.#startedAt >= this.#durationMs) {
      this.stop();
      return;
    }
    if (
      this.#inactivityMs > 0 &&
      !this.#inactiveReported &&
      now - this.#lastRtpAt >= this.#inactivityMs
    ) {
      this.#inactiveReported = true;
      this.emit('inactive', Math.round(now - this.#lastRtpAt));
      if (this.#state !== 'sending') {
        return;
      }
    }
    if (this.#remote === null) {
      this.#nextSendAt = now;
      return;
    }
    let n = 0;
    while (this.#nextSendAt <= now && n < MAX_CATCH_UP) {
      this.#sendRtp();
      this.#nextSendAt += PTIME_MS;
      n++;
    }
    if (this.#nextSendAt <= now) {
      // Too far behind (a stalled event loop): skip the backlog rather than burst. The
      // RTP timestamp keeps counting, so the receiver sees the gap as loss.
      const skipped = Math.floor((now - this.#nextSendAt) / PTIME_MS) + 1;
      this.#seq = (this.#seq + skipped) & 0xffff;
      this.#timestamp = (this.#timestamp + skipped * G711_PAYLOAD_BYTES) >>> 0;
      this.#nextSendAt += skipped * PTIME_MS;
    }
    if (now >= this.#nextRtcpAt) {
      this.#sendRtcp();
      this.#nextRtcpAt = now + RTCP_INTERVAL_MS;
    }
  }

  /** Everything the endpoint sent and received, as plain data. */
  report(): EndpointReport {
    const sources: SourceReport[] = [];
    for (const s of this.#sources.values()) {
      const st: StreamStatsSnapshot = this.#stats.snapshot(s.slot, CLOCK_RATE);
      const h = s.histogram;
      sources.push({
        source: `${s.address}:${s.port}`,
        address: s.address,
        port: s.port,
        ssrc: st.ssrc,
        packets: st.packets,
        bytes: st.bytes,
        rtcpPackets: s.rtcp,
        expected: st.expected,
        lost: st.lost,
        fractionLost: st.fractionLost,
        jitterMs: st.jitterMs,
        latencyMs:
          h.count === 0
            ? null
            : {
                p50: h.percentile(50) / 1000,
                p99: h.percentile(99) / 1000,
                p999: h.percentile(99.9) / 1000,
                max: h.max / 1000,
                samples: h.count,
              },
      });
    }
    const dropped: Partial<Record<DropReasonName, number>> = {};
    for (let code = 2; code < VERDICT_COUNT; code++) {
      if (this.#drops[code]! > 0) {
        dropped[VERDICT_NAMES[code] as DropReasonName] = this.#drops[code]!;
      }
    }
    return {
      local: this.#local,
      remote: this.#remote,
      payloadType: this.#payloadType,
      ssrc: this.#ssrc,
      state: this.#state,
      sent: { packets: this.#sentPackets, bytes: this.#sentBytes, rtcp: this.#sentRtcp },
      sources,
      dropped,
    };
  }

  async #bind(address: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(
          new SimError(ErrorCodes.MEDIA_BIND, `cannot bind ${address}:${port}: ${err.message}`, {
            cause: err,
            details: { address, port },
          }),
        );
      };
      this.#socket.once('error', onError);
      this.#socket.bind({ address, port, exclusive: true }, () => {
        this.#socket.off('error', onError);
        resolve();
      });
    });
    const bound = this.#socket.address();
    this.#local = { address: bound.address, port: bound.port };
    this.#socket.on('error', (err) => {
      this.#log?.warn({ err, local: this.#local }, 'endpoint socket error');
    });
    this.#socket.on('message', this.#onMessage);
  }

  #sendRtp(): void {
    const remote = this.#remote!;
    const buf = this.#ring[this.#ringIndex]!;
    this.#ringIndex = (this.#ringIndex + 1) % this.#ring.length;
    buf[1] = this.#payloadType | (this.#sentPackets === 0 ? 0x80 : 0);
    buf.writeUInt16BE(this.#seq, 2);
    buf.writeUInt32BE(this.#timestamp, 4);
    buf.writeDoubleBE(performance.timeOrigin + performance.now(), 12);
    if (this.#egress) {
      this.#egress.send(this.#socket, buf, remote.port, remote.address);
    } else {
      this.#socket.send(buf, remote.port, remote.address);
    }
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + G711_PAYLOAD_BYTES) >>> 0;
    this.#sentPackets++;
    this.#sentBytes += buf.length;
  }

  /**
   * Sends an SR (or an RR before anything was sent) with one report block per source, and
   * an SDES CNAME (RFC 3550 sections 6.4 and 6.5), as one compound packet.
   */
  #sendRtcp(): void {
    const remote = this.#remote;
    if (remote === null) {
      return;
    }
    const blocks = [...this.#sources.values()].slice(0, 31);
    const isSr = this.#sentPackets > 0;
    const reportLength = (isSr ? 28 : 8) + blocks.length * 24;
    const cname = Buffer.from(this.#cname, 'utf8').subarray(0, 255);
    // SDES: header 4, SSRC 4, item (type, length, text), end null, padded to 4 bytes.
    const sdesLength = (4 + 4 + 2 + cname.length + 1 + 3) & ~3;
    const buf = Buffer.alloc(reportLength + sdesLength);
    buf[0] = 0x80 | blocks.length;
    buf[1] = isSr ? 200 : 201;
    buf.writeUInt16BE(reportLength / 4 - 1, 2);
    buf.writeUInt32BE(this.#ssrc, 4);
    let off = 8;
    if (isSr) {
      const wall = performance.timeOrigin + performance.now();
      const seconds = Math.floor(wall / 1000) + 2_208_988_800;
      const fraction = Math.floor(((wall % 1000) / 1000) * 0x100000000);
      buf.writeUInt32BE(seconds >>> 0, 8);
      buf.writeUInt32BE(fraction >>> 0, 12);
      buf.writeUInt32BE(this.#timestamp, 16);
      buf.writeUInt32BE(this.#sentPackets >>> 0, 20);
      buf.writeUInt32BE((this.#sentPackets * G711_PAYLOAD_BYTES) >>> 0, 24);
      off = 28;
    }
    for (const s of blocks) {
      const st = this.#stats.snapshot(s.slot, CLOCK_RATE);
      buf.writeUInt32BE(st.ssrc >>> 0, off);
      buf[off + 4] = Math.min(255, Math.floor(st.fractionLost * 256));
      const lost = Math.max(-0x800000, Math.min(0x7fffff, st.lost));
      buf.writeIntBE(lost, off + 5, 3);
      buf.writeUInt32BE(st.extendedHighestSeq >>> 0, off + 8);
      buf.writeUInt32BE(Math.floor(st.jitter) >>> 0, off + 12);
      off += 24;
    }
    buf[off] = 0x81;
    buf[off + 1] = 202;
    buf.writeUInt16BE(sdesLength / 4 - 1, off + 2);
    buf.writeUInt32BE(this.#ssrc, off + 4);
    buf[off + 8] = 1;
    buf[off + 9] = cname.length;
    cname.copy(buf, off + 10);
    if (this.#egress) {
      this.#egress.send(this.#socket, buf, remote.port, remote.address);
    } else {
      this.#socket.send(buf, remote.port, remote.address);
    }
    this.#sentRtcp++;
  }

  #receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const len = msg.length;
    if (this.#tap !== null) {
      this.#tap.received(
        this.#local.address,
        this.#local.port,
        rinfo.address,
        rinfo.port,
        msg,
        len,
      );
    }
    const verdict = classifyPacket(msg, len);
    if (verdict >= 2) {
      this.#drops[verdict]! += 1;
      return;
    }
    const source = this.#source(rinfo.address, rinfo.port);
    if (source === null) {
      this.#drops[VERDICT_NAMES.indexOf('stranger')]! += 1;
      return;
    }
    if (verdict === PacketClass.RTCP) {
      source.rtcp++;
      return;
    }
    const arrival = performance.timeOrigin + performance.now();
    if (this.#inactivityMs > 0) {
      this.#lastRtpAt = this.#clock.now();
    }
    this.#stats.onRtp(source.slot, rtpSsrc(msg), rtpSequenceNumber(msg), len);
    this.#stats.onJitter(source.slot, rtpTimestamp(msg), (arrival * CLOCK_RATE) / 1000);
    const header = rtpHeaderLength(msg, len);
    const padding = rtpPaddingLength(msg, len, header);
    if (len - header - padding >= 8) {
      const sentAt = msg.readDoubleBE(header);
      const latencyUs = Math.round((arrival - sentAt) * 1000);
      if (latencyUs >= 1 && latencyUs < 60_000_000) {
        source.histogram.record(latencyUs);
      } else if (latencyUs < 1 && latencyUs > -1000) {
        source.histogram.record(1);
      }
    }
  }

  #source(address: string, port: number): Source | null {
    const last = this.#lastSource;
    if (last !== null && last.port === port && last.address === address) {
      return last;
    }
    const key = `${address}:${port}`;
    let s = this.#sources.get(key);
    if (s === undefined) {
      const slot = this.#stats.allocate();
      if (slot < 0) {
        return null;
      }
      s = new Source(address, port, slot);
      this.#sources.set(key, s);
    }
    this.#lastSource = s;
    return s;
  }
}

function checkRemote(remote: TransportAddress): void {
  // A unicast address only: no description may aim the stream at a group or every host.
  checkMediaPeer(remote);
}
