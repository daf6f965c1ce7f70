/**
 * The media endpoint's types: what one RTP stream looks like on the wire (`StreamFormat`,
 * G.711 by default), the endpoint's options, and its report of what it sent and received. Types
 * and the format's checks and send buffers only; it must not know sockets or timers.
 */
import type { Clock, DatagramEgress, DatagramTap } from '../core/index.js';
import type { DropReasonName } from './classifier.js';
import type { TransportAddress } from './relay-types.js';
import type { CoarseTicker } from './ticker.js';

/** G.711 payload types (RFC 3551 section 6). */
export type G711PayloadType = 0 | 8;

/** Packet interval in milliseconds. */
export const PTIME_MS = 20;
/** G.711 bytes per 20 ms packet at 8 kHz. */
export const G711_PAYLOAD_BYTES = 160;
/** The largest payload an endpoint sends (a video packet stays under a 1500-byte MTU). */
export const MAX_PAYLOAD_BYTES = 1400;

/**
 * What one RTP stream looks like on the wire: its payload type and clock, the interval
 * between packets, the payload size, and how many packets share a timestamp (a video frame
 * in several packets; 1 for audio).
 */
export interface StreamFormat {
  /** 0-127, outside 64-95 (which RFC 5761 keeps apart from RTCP when both share a port). */
  readonly payloadType: number;
  readonly clockRate: number;
  /**
   * Milliseconds between packets on average (fractions allowed: 33.33 for 30 packets a
   * second); a video frame's packets go out together, a frame interval apart.
   */
  readonly packetMs: number;
  /** 1 to {@link MAX_PAYLOAD_BYTES}. */
  readonly payloadBytes: number;
  /** Packets per timestamp: a video frame's packets; 1 for audio. */
  readonly packetsPerFrame: number;
}

/** The G.711 format of a payload type: 160 bytes every 20 ms at 8 kHz. */
export function g711Format(payloadType: G711PayloadType): StreamFormat {
  return {
    payloadType,
    clockRate: 8000,
    packetMs: PTIME_MS,
    payloadBytes: G711_PAYLOAD_BYTES,
    packetsPerFrame: 1,
  };
}

/** Timestamp units per frame of a format (at least 1). */
export function timestampsPerFrame(f: StreamFormat): number {
  return Math.max(1, Math.round((f.clockRate * f.packetMs * f.packetsPerFrame) / 1000));
}

/**
 * The buffers outgoing packets of a format are built in, in rotation: RTP headers with the
 * payload type and SSRC set, the payload filled with silence (G.711's silence byte for PCMU
 * and PCMA, zeros for other codecs).
 */
export function sendRing(f: StreamFormat, ssrc: number, count: number): Buffer[] {
  const fill = f.payloadType === 0 ? 0xff : f.payloadType === 8 ? 0xd5 : 0;
  return Array.from({ length: count }, () => {
    const b = Buffer.alloc(12 + f.payloadBytes, fill);
    b[0] = 0x80;
    b[1] = f.payloadType;
    b.writeUInt32BE(ssrc, 8);
    return b;
  });
}

/** Options of {@link MediaEndpoint.create}. */
export interface MediaEndpointOptions {
  /** Local address (a 127.x address in loopback mode). */
  readonly bindAddress: string;
  /** Local port; 0 (the default) lets the OS choose. */
  readonly port?: number | undefined;
  /** PCMU (0, the default) or PCMA (8); ignored when `format` is given. */
  readonly payloadType?: G711PayloadType | undefined;
  /** Any other stream: a codec's payload type, clock, packet interval and size. */
  readonly format?: StreamFormat | undefined;
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
  /**
   * While sending, no RTCP received for this long emits `rtcp-inactive` once (b.5 #40: a peer
   * that sends no RTCP). Counted from `start()`; 0 or absent: off.
   */
  readonly rtcpTimeoutMs?: number | undefined;
  /** Send RTCP reports (default true); false: none at all (a peer without RTCP). */
  readonly rtcp?: boolean | undefined;
  /** RTP goes out only through `sendMedia` (a transcoder's leg), never on the ticker. */
  readonly driven?: boolean | undefined;
  /**
   * Told of every valid RTP packet: its source, sequence number and send time (NaN when the
   * payload carries none). A transcoder feeds its other leg from it.
   */
  readonly onRtp?:
    ((address: string, port: number, seq: number, sentAtMs: number) => void) | undefined;
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
  /** The payload type of the last RTP packet; null when only RTCP came. */
  readonly payloadType: number | null;
  /** RTP payload bytes received (headers and padding excluded). */
  readonly payloadBytes: number;
  /** When the first and the last RTP packet arrived, ms on `performance.now()`; null: none. */
  readonly firstMs: number | null;
  readonly lastMs: number | null;
  /** RTP packets and bytes received by the last `mark()`; null when never marked. */
  readonly packetsAtMark: number | null;
  readonly bytesAtMark: number | null;
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
  readonly payloadType: number;
  readonly ssrc: number;
  readonly state: 'idle' | 'sending' | 'stopped' | 'closed';
  readonly sent: {
    readonly packets: number;
    readonly bytes: number;
    readonly payloadBytes: number;
    readonly rtcp: number;
  };
  readonly sources: readonly SourceReport[];
  /** Received packets dropped, by reason (only reasons seen). */
  readonly dropped: Partial<Record<DropReasonName, number>>;
  /** When `mark()` was last called (`performance.now()`), or null. */
  readonly markedAt: number | null;
}

/** Events of an endpoint. */
export type EndpointEvents = {
  /** Sending stopped (duration reached or `stop()`). */
  stopped: [];
  /** No valid RTP arrived for the inactivity timeout while sending (once). */
  inactive: [idleMs: number];
  /** No RTCP arrived for the RTCP timeout while sending (once). */
  'rtcp-inactive': [idleMs: number];
};

/** The checks of a stream format. @throws TypeError for a format no endpoint can send. */
export function checkFormat(f: StreamFormat): void {
  const pt = f.payloadType;
  if (!Number.isInteger(pt) || pt < 0 || pt > 127 || (pt >= 64 && pt <= 95)) {
    throw new TypeError(`payload type must be 0-63 or 96-127, got ${String(pt)}`);
  }
  if (!(f.clockRate > 0) || !(f.packetMs > 0) || !(f.packetsPerFrame >= 1)) {
    throw new TypeError('clock rate, packet interval and packets per frame must be positive');
  }
  if (
    !Number.isInteger(f.payloadBytes) ||
    f.payloadBytes < 1 ||
    f.payloadBytes > MAX_PAYLOAD_BYTES
  ) {
    throw new TypeError(`payload bytes must be 1-${MAX_PAYLOAD_BYTES}, got ${f.payloadBytes}`);
  }
}
