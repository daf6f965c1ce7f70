/**
 * The media endpoint of an emulated client or gateway: one UDP socket on a 127.x address
 * that sends one RTP stream and records what it receives.
 *
 * Sending: by default PCMU (PT 0) or PCMA (PT 8), 20 ms packets of 160 payload bytes, the
 * timestamp advancing by 160 per packet (8 kHz clock). Any other codec is given as a
 * {@link StreamFormat}: its payload type, clock rate, packet interval and payload size, and
 * for video how many packets carry one frame (they share a timestamp, the last one has the
 * marker bit). Random SSRC, initial sequence number and timestamp (RFC 3550 section 5.1). The
 * first 8 payload bytes carry the send time as a float64 (big endian, milliseconds since the
 * Unix epoch with sub-millisecond resolution), so that a receiver on the same machine
 * measures one-way latency (a payload shorter than 8 bytes carries none):
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                RTP header (12 bytes, no CSRC)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          send time, float64 ms since the epoch (8 bytes)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       silence (G.711: 152 bytes; other codecs: their size)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * RTCP is multiplexed on the same port (RFC 5761): a sender report (or a receiver report
 * while nothing was sent) at start, about every second, and at stop (RFC 3550 section 6.4);
 * an endpoint may be told to send none (a peer that sends no RTCP, b.5 #40).
 *
 * Receiving: every packet is classified; malformed or foreign ones are counted by reason.
 * Valid RTP is accounted per source address and port: packets, bytes, payload type and
 * payload bytes, RFC 3550 loss and jitter, latency in an HDR histogram, first and last
 * arrival; `mark()` notes each source's count at a moment (the final answer of a call, a
 * transfer). While sending, silence on RTP (and, when asked, on RTCP) for a timeout is
 * reported once.
 *
 * A driven endpoint sends nothing on its own: its owner hands it media time to send
 * (`sendMedia`), which is how a transcoder re-packetizes what it receives on its other leg.
 *
 * All endpoints share one coarse ticker instead of a timer each. It must not know SIP,
 * policy or what the stream stands for.
 */
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import {
  ErrorCodes,
  InternalError,
  SimError,
  literalLookup,
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
import { buildRtcpReport, MAX_REPORT_BLOCKS, type RtcpReportBlock } from './endpoint-rtcp.js';
import {
  checkFormat,
  g711Format,
  sendRing,
  timestampsPerFrame,
  type EndpointEvents,
  type EndpointReport,
  type MediaEndpointOptions,
  type SourceReport,
  type StreamFormat,
} from './endpoint-types.js';
import { checkMediaPeer } from './media-address.js';
import type { TransportAddress } from './relay-types.js';
import {
  rtpHeaderLength,
  rtpPaddingLength,
  rtpPayloadType,
  rtpSequenceNumber,
  rtpSsrc,
  rtpTimestamp,
} from './rtp-header.js';
import { StreamStatsTable } from './stats.js';
import { CoarseTicker, type Tickable } from './ticker.js';

const RTCP_INTERVAL_MS = 1000;
/** Packets sent at most per tick when the endpoint has fallen behind. */
const MAX_CATCH_UP = 5;
/** Send buffers in rotation: a buffer is reused only after this many newer sends. */
const SEND_RING = 16;
const SEND_RING_IMPAIRED = 128;
/** Sources tracked at most per endpoint; more are counted as strangers. */
const MAX_SOURCES = 64;

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
  payloadType = -1;
  payloadBytes = 0;
  firstMs = -1;
  lastMs = -1;
  packetsAtMark = -1;
  bytesAtMark = -1;

  constructor(address: string, port: number, slot: number) {
    this.address = address;
    this.port = port;
    this.slot = slot;
    this.histogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  }
}

/** A media endpoint: one socket, one outgoing stream, per-source receive figures. */
export class MediaEndpoint extends EventEmitter<EndpointEvents> implements Tickable {
  readonly #socket: dgram.Socket;
  readonly #ticker: CoarseTicker;
  readonly #clock: Clock;
  readonly #log: ComponentLogger | undefined;
  #format: StreamFormat;
  /** Timestamp units per frame. */
  #tsPerFrame: number;
  readonly #durationMs: number | undefined;
  readonly #cname: Buffer;
  readonly #ssrc: number;
  #ring: Buffer[];
  readonly #egress: DatagramEgress | null;
  readonly #tap: DatagramTap | null;
  readonly #inactivityMs: number;
  #rtcpTimeoutMs: number;
  readonly #sendsRtcp: boolean;
  readonly #driven: boolean;
  readonly #onRtp: MediaEndpointOptions['onRtp'] | null;
  /** When valid RTP (RTCP) last arrived, or sending started, clock ms; the timeouts reported. */
  #lastRtpAt = 0;
  #lastRtcpAt = 0;
  #inactiveReported = false;
  #rtcpInactiveReported = false;
  #ringIndex = 0;
  #seq: number;
  #timestamp: number;
  /** Packets of the current frame sent so far (video: the frame's packets share a timestamp). */
  #inFrame = 0;
  #remote: TransportAddress | null;
  #state: EndpointReport['state'] = 'idle';
  #startedAt = 0;
  #nextSendAt = 0;
  #nextRtcpAt = 0;
  /** A driven endpoint's media time received and not yet sent as a packet, ms. */
  #owedMs = 0;
  #sentPackets = 0;
  #sentBytes = 0;
  #sentRtcp = 0;
  #markedAt = -1;
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
    this.#socket = dgram.createSocket({ type: 'udp4', lookup: literalLookup });
    this.#ticker = options.ticker ?? sharedEndpointTicker();
    this.#clock = options.clock ?? systemClock;
    this.#log = logger;
    const format = options.format ?? g711Format(options.payloadType ?? 0);
    this.#format = format;
    this.#tsPerFrame = timestampsPerFrame(format);
    this.#durationMs = options.durationMs;
    this.#cname = Buffer.from(options.cname ?? `mediapath@${options.bindAddress}`, 'utf8');
    this.#ssrc = randomInt(1, 0xffffffff);
    this.#seq = randomInt(0, 0x10000);
    this.#timestamp = randomInt(0, 0xffffffff);
    this.#remote = options.remote ?? null;
    this.#egress = options.egress ?? null;
    this.#tap = options.tap ?? null;
    this.#inactivityMs = options.inactivityTimeoutMs ?? 0;
    this.#rtcpTimeoutMs = options.rtcpTimeoutMs ?? 0;
    this.#sendsRtcp = options.rtcp ?? true;
    this.#driven = options.driven === true;
    this.#onRtp = options.onRtp ?? null;
    // Outgoing packets are built in a ring of buffers: a buffer handed to send() is not
    // written again until SEND_RING newer packets have gone out (320 ms at 20 ms).
    this.#ring = sendRing(format, this.#ssrc, this.#egress ? SEND_RING_IMPAIRED : SEND_RING);
  }

  /**
   * Creates an endpoint and binds its socket.
   *
   * @throws TypeError for a bad address, payload type or format; SimError `MEDIA_BIND` when
   *   the socket cannot be bound.
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
    if (options.format !== undefined) {
      checkFormat(options.format);
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

  /** What the outgoing stream looks like. */
  get format(): StreamFormat {
    return this.#format;
  }

  /**
   * Changes what the outgoing stream looks like before it starts: the codec that the offer and
   * answer settled on once the socket's port was given out.
   *
   * @throws TypeError for a format no endpoint can send; InternalError once sending started.
   */
  setFormat(format: StreamFormat): void {
    checkFormat(format);
    if (this.#state !== 'idle') {
      throw new InternalError(`the format of a ${this.#state} endpoint cannot change`);
    }
    this.#format = format;
    this.#tsPerFrame = timestampsPerFrame(format);
    this.#ring = sendRing(format, this.#ssrc, this.#ring.length);
  }

  /**
   * Watches the peer's RTCP from now on: no RTCP for `timeoutMs` while sending emits
   * `rtcp-inactive` once (b.5 #40, for an end that learns only once answered that it
   * supervises RTCP). 0 turns it off.
   */
  watchRtcp(timeoutMs: number): void {
    this.#rtcpTimeoutMs = timeoutMs;
    this.#lastRtcpAt = this.#clock.now();
    this.#rtcpInactiveReported = false;
  }

  /** The current destination, or null. */
  get remote(): TransportAddress | null {
    return this.#remote;
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

  /** Starts sending every packet interval (packets wait until a remote is set). */
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
    this.#lastRtcpAt = now;
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
   * Notes each source's packets and bytes received so far (see `SourceReport.packetsAtMark`):
   * what arrived before a moment of the call, such as its final answer.
   */
  mark(): void {
    this.#markedAt = performance.now();
    for (const s of this.#sources.values()) {
      const st = this.#stats.snapshot(s.slot, this.#format.clockRate);
      s.packetsAtMark = st.packets;
      s.bytesAtMark = st.bytes;
    }
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
    if (!this.#checkSilence(now)) {
      return;
    }
    if (this.#remote === null) {
      this.#nextSendAt = now;
      return;
    }
    if (!this.#driven) {
      this.#sendDue(now);
    }
    if (now >= this.#nextRtcpAt) {
      this.#sendRtcp();
      this.#nextRtcpAt = now + RTCP_INTERVAL_MS;
    }
  }

  /**
   * A driven endpoint's media: `ms` of media received elsewhere, re-packetized into this
   * stream's packets as soon as a whole packet's worth has come (stamped with `sentAtMs`, the
   * send time of the media it came from), after `lostMs` of media that was lost before it,
   * whose packets are skipped (their sequence numbers are not sent: the loss shows on this
   * stream too). Does nothing unless the endpoint is sending and has a remote.
   */
  sendMedia(ms: number, sentAtMs: number, lostMs = 0): void {
    if (this.#state !== 'sending' || this.#remote === null) {
      return;
    }
    const step = this.#format.packetMs;
    // A packet of this stream that would have been completed by lost media is skipped.
    this.#owedMs += lostMs;
    while (this.#owedMs >= step - 1e-6) {
      this.#owedMs -= step;
      this.#advance();
    }
    this.#owedMs += ms;
    let n = 0;
    while (this.#owedMs >= step - 1e-6 && n < MAX_CATCH_UP) {
      this.#owedMs -= step;
      this.#sendRtp(sentAtMs);
      n++;
    }
  }

  /** Reports a silent peer once per kind; false when that stopped the endpoint. */
  #checkSilence(now: number): boolean {
    if (
      this.#inactivityMs > 0 &&
      !this.#inactiveReported &&
      now - this.#lastRtpAt >= this.#inactivityMs
    ) {
      this.#inactiveReported = true;
      this.emit('inactive', Math.round(now - this.#lastRtpAt));
      if (this.#state !== 'sending') {
        return false;
      }
    }
    if (
      this.#rtcpTimeoutMs > 0 &&
      !this.#rtcpInactiveReported &&
      now - this.#lastRtcpAt >= this.#rtcpTimeoutMs
    ) {
      this.#rtcpInactiveReported = true;
      this.emit('rtcp-inactive', Math.round(now - this.#lastRtcpAt));
      if (this.#state !== 'sending') {
        return false;
      }
    }
    return true;
  }

  /** Sends the packets due by `now` on the stream's own clock. */
  #sendDue(now: number): void {
    // A video frame's packets go out back to back, a frame interval apart (as an encoder
    // hands a frame to the network), so that arrival times agree with the RTP timestamps.
    const perFrame = this.#format.packetsPerFrame;
    const step = this.#format.packetMs * perFrame;
    let n = 0;
    while (this.#nextSendAt <= now && n < MAX_CATCH_UP) {
      for (let i = 0; i < perFrame; i++) {
        this.#sendRtp(NaN);
      }
      this.#nextSendAt += step;
      n++;
    }
    if (this.#nextSendAt <= now) {
      // Too far behind (a stalled event loop): skip the backlog rather than burst. The RTP
      // timestamp jumps and the sequence number does not, as after a sender's silence: those
      // packets were never sent, so no receiver may count them as lost on the way.
      const skipped = Math.floor((now - this.#nextSendAt) / step) + 1;
      this.#timestamp = (this.#timestamp + skipped * this.#tsPerFrame) >>> 0;
      this.#nextSendAt += skipped * step;
    }
  }

  /** Everything the endpoint sent and received, as plain data. */
  report(): EndpointReport {
    const sources: SourceReport[] = [];
    for (const s of this.#sources.values()) {
      const st = this.#stats.snapshot(s.slot, this.#format.clockRate);
      const h = s.histogram;
      sources.push({
        source: `${s.address}:${s.port}`,
        address: s.address,
        port: s.port,
        ssrc: st.ssrc,
        packets: st.packets,
        bytes: st.bytes,
        payloadType: s.payloadType < 0 ? null : s.payloadType,
        payloadBytes: s.payloadBytes,
        firstMs: s.firstMs < 0 ? null : s.firstMs,
        lastMs: s.lastMs < 0 ? null : s.lastMs,
        packetsAtMark: this.#markedAt < 0 ? null : Math.max(0, s.packetsAtMark),
        bytesAtMark: this.#markedAt < 0 ? null : Math.max(0, s.bytesAtMark),
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
      payloadType: this.#format.payloadType,
      ssrc: this.#ssrc,
      state: this.#state,
      sent: {
        packets: this.#sentPackets,
        bytes: this.#sentBytes,
        payloadBytes: this.#sentPackets * this.#format.payloadBytes,
        rtcp: this.#sentRtcp,
      },
      sources,
      dropped,
      markedAt: this.#markedAt < 0 ? null : this.#markedAt,
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

  /** Moves on by one packet without sending it (a lost or skipped packet). */
  #advance(): void {
    this.#seq = (this.#seq + 1) & 0xffff;
    if (++this.#inFrame >= this.#format.packetsPerFrame) {
      this.#inFrame = 0;
      this.#timestamp = (this.#timestamp + this.#tsPerFrame) >>> 0;
    }
  }

  /** Sends one RTP packet, stamped with `sentAtMs` (NaN: now). */
  #sendRtp(sentAtMs: number): void {
    const remote = this.#remote!;
    const buf = this.#ring[this.#ringIndex]!;
    this.#ringIndex = (this.#ringIndex + 1) % this.#ring.length;
    const lastOfFrame = this.#inFrame + 1 >= this.#format.packetsPerFrame;
    // The marker bit: the first packet of a talkspurt (audio), the last of a frame (video).
    const marker = this.#format.packetsPerFrame > 1 ? lastOfFrame : this.#sentPackets === 0;
    buf[1] = this.#format.payloadType | (marker ? 0x80 : 0);
    buf.writeUInt16BE(this.#seq, 2);
    buf.writeUInt32BE(this.#timestamp, 4);
    if (this.#format.payloadBytes >= 8) {
      buf.writeDoubleBE(
        Number.isNaN(sentAtMs) ? performance.timeOrigin + performance.now() : sentAtMs,
        12,
      );
    }
    if (this.#egress) {
      this.#egress.send(this.#socket, buf, remote.port, remote.address);
    } else {
      this.#socket.send(buf, remote.port, remote.address);
    }
    this.#advance();
    this.#sentPackets++;
    this.#sentBytes += buf.length;
  }

  /** Sends one compound report (unless the endpoint sends no RTCP or has no remote). */
  #sendRtcp(): void {
    const remote = this.#remote;
    if (remote === null || !this.#sendsRtcp) {
      return;
    }
    const blocks: RtcpReportBlock[] = [];
    for (const s of this.#sources.values()) {
      if (blocks.length >= MAX_REPORT_BLOCKS) {
        break;
      }
      blocks.push(this.#stats.snapshot(s.slot, this.#format.clockRate));
    }
    const buf = buildRtcpReport(
      {
        ssrc: this.#ssrc,
        cname: this.#cname,
        sent:
          this.#sentPackets > 0
            ? {
                rtpTimestamp: this.#timestamp,
                packets: this.#sentPackets,
                payloadOctets: this.#sentPackets * this.#format.payloadBytes,
              }
            : null,
      },
      blocks,
      performance.timeOrigin + performance.now(),
    );
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
      if (this.#rtcpTimeoutMs > 0) {
        this.#lastRtcpAt = this.#clock.now();
      }
      return;
    }
    const now = performance.now();
    const arrival = performance.timeOrigin + now;
    if (this.#inactivityMs > 0) {
      this.#lastRtpAt = this.#clock.now();
    }
    const seq = rtpSequenceNumber(msg);
    this.#stats.onRtp(source.slot, rtpSsrc(msg), seq, len);
    this.#stats.onJitter(source.slot, rtpTimestamp(msg), (arrival * this.#format.clockRate) / 1000);
    const header = rtpHeaderLength(msg, len);
    const payload = len - header - rtpPaddingLength(msg, len, header);
    source.payloadType = rtpPayloadType(msg);
    source.payloadBytes += Math.max(0, payload);
    if (source.firstMs < 0) {
      source.firstMs = now;
    }
    source.lastMs = now;
    let sentAt = NaN;
    if (payload >= 8) {
      sentAt = msg.readDoubleBE(header);
      const latencyUs = Math.round((arrival - sentAt) * 1000);
      if (latencyUs >= 1 && latencyUs < 60_000_000) {
        source.histogram.record(latencyUs);
      } else if (latencyUs < 1 && latencyUs > -1000) {
        source.histogram.record(1);
      }
    }
    this.#onRtp?.(rinfo.address, rinfo.port, seq, sentAt);
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
