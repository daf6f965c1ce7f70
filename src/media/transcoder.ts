/**
 * A transcoding media session: two legs, each a media endpoint with its own codec, that
 * re-packetize what one leg receives into the other leg's packets. It is how the lab models a
 * Mediation Server (or a Teams Media Processor) that transcodes between a client's codec and
 * the G.711 of a gateway (c.4): the relay forwards datagrams unchanged, so two legs that carry
 * different codecs need an end of their own on each side.
 *
 * ```
 *  peer A ──RTAudio 30 B/20 ms──> [leg A]  ─media time─>  [leg B] ──PCMU 160 B/20 ms──> peer B
 *  peer A <─RTAudio 30 B/20 ms─── [leg A]  <─media time─  [leg B] <─PCMU 160 B/20 ms─── peer B
 * ```
 *
 * What is modelled: each leg sends its own codec's packets (payload type, size, interval,
 * clock), one leg's packets are driven by the media time the other leg receives (a packet of
 * the other codec's interval each time that much media has arrived), a packet lost before the
 * transcoder is a packet missing after it (its sequence numbers are skipped, no concealment),
 * the send time in the payload is carried across (one-way latency is end to end), and each
 * leg is an RTP session of its own with its own RTCP reports and its own timeouts (RTP, and
 * RTCP where asked: b.5 #40). What is not: the payload bytes are not audio, so nothing is
 * decoded or encoded, and there is no jitter buffer (arrival jitter passes through).
 *
 * It must not know SIP, policy or who asked for it.
 */
import { EventEmitter } from 'node:events';
import type { ComponentLogger, DatagramEgress, DatagramTap } from '../core/index.js';
import { MediaEndpoint } from './endpoint.js';
import type { SourceReport, StreamFormat } from './endpoint-types.js';
import type { LegName, TransportAddress } from './relay-types.js';
import type { CoarseTicker } from './ticker.js';

/** Options of {@link Transcoder.create}. */
export interface TranscoderOptions {
  readonly legA: { readonly bindAddress: string; readonly format: StreamFormat };
  readonly legB: { readonly bindAddress: string; readonly format: StreamFormat };
  /**
   * Per-leg media timeouts in milliseconds (0 or absent: off), as the relay's: a leg whose
   * peer is known and that received no RTP (or no RTCP) for that long is reported once.
   */
  readonly timeouts?: { readonly rtpMs?: number; readonly rtcpMs?: number };
  readonly egress?: DatagramEgress;
  readonly tap?: DatagramTap;
  readonly ticker?: CoarseTicker;
  /** The CNAME of both legs' RTCP. */
  readonly cname?: string;
}

/** A leg whose peer went silent, as the relay reports it. */
export interface TranscoderTimeout {
  readonly leg: LegName;
  readonly kind: 'rtp' | 'rtcp';
  readonly idleMs: number;
}

/** Events of a transcoder. */
export type TranscoderEvents = {
  'media-timeout': [TranscoderTimeout];
};

/** What one leg received from its peer and sent to it. */
export interface TranscoderLegStats {
  readonly local: TransportAddress;
  readonly peer: TransportAddress | null;
  readonly format: StreamFormat;
  /** What came from the peer (null: nothing yet). */
  readonly received: SourceReport | null;
  /** RTP packets that came from anyone else (dropped: the leg takes its peer's only). */
  readonly strangers: number;
  readonly sent: { readonly packets: number; readonly payloadBytes: number };
}

/** Per-leg figures of a transcoder. */
export interface TranscoderStats {
  readonly legA: TranscoderLegStats;
  readonly legB: TranscoderLegStats;
}

/** One leg: its endpoint, its peer, and the last sequence number it received. */
class Leg {
  readonly name: LegName;
  readonly endpoint: MediaEndpoint;
  peer: TransportAddress | null = null;
  lastSeq = -1;
  strangers = 0;

  constructor(name: LegName, endpoint: MediaEndpoint) {
    this.name = name;
    this.endpoint = endpoint;
  }
}

/** Two media endpoints that carry one call's media across a change of codec. */
export class Transcoder extends EventEmitter<TranscoderEvents> {
  readonly #a: Leg;
  readonly #b: Leg;
  #closed = false;

  private constructor(a: MediaEndpoint, b: MediaEndpoint) {
    super();
    this.#a = new Leg('A', a);
    this.#b = new Leg('B', b);
  }

  /**
   * Binds both legs.
   * @throws TypeError for a bad address or format; SimError `MEDIA_BIND` when a leg cannot
   *   be bound.
   */
  static async create(options: TranscoderOptions, logger?: ComponentLogger): Promise<Transcoder> {
    let self: Transcoder | null = null;
    const fed = (from: LegName) => (address: string, port: number, seq: number, at: number) => {
      if (self !== null) {
        self.#received(from, address, port, seq, at);
      }
    };
    const common = {
      driven: true,
      inactivityTimeoutMs: options.timeouts?.rtpMs ?? 0,
      rtcpTimeoutMs: options.timeouts?.rtcpMs ?? 0,
      ...(options.egress ? { egress: options.egress } : {}),
      ...(options.tap ? { tap: options.tap } : {}),
      ...(options.ticker ? { ticker: options.ticker } : {}),
      ...(options.cname === undefined ? {} : { cname: options.cname }),
    };
    const a = await MediaEndpoint.create({ ...common, ...options.legA, onRtp: fed('A') }, logger);
    let b: MediaEndpoint;
    try {
      b = await MediaEndpoint.create({ ...common, ...options.legB, onRtp: fed('B') }, logger);
    } catch (e) {
      a.close();
      throw e;
    }
    self = new Transcoder(a, b);
    self.#watch(self.#a);
    self.#watch(self.#b);
    return self;
  }

  /** Where peer A sends (put it into the SDP towards A). */
  get legA(): TransportAddress {
    return this.#a.endpoint.local;
  }

  /** Where peer B sends. */
  get legB(): TransportAddress {
    return this.#b.endpoint.local;
  }

  /**
   * Sets the peer of a leg (from signalling): the leg accepts media from it only, sends to it,
   * and starts its RTCP reports and timeouts.
   * @throws TypeError for an address that is not unicast.
   */
  setPeer(leg: LegName, peer: TransportAddress): void {
    const l = leg === 'A' ? this.#a : this.#b;
    l.endpoint.setRemote(peer);
    l.peer = { address: peer.address, port: peer.port };
    if (!this.#closed) {
      l.endpoint.start();
    }
  }

  /** Both legs' figures. */
  stats(): TranscoderStats {
    return { legA: legStats(this.#a), legB: legStats(this.#b) };
  }

  /** Closes both legs (a last RTCP report goes out on each). Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#a.endpoint.close();
    this.#b.endpoint.close();
  }

  #watch(l: Leg): void {
    l.endpoint.on('inactive', (idleMs) => {
      this.emit('media-timeout', { leg: l.name, kind: 'rtp', idleMs });
    });
    l.endpoint.on('rtcp-inactive', (idleMs) => {
      this.emit('media-timeout', { leg: l.name, kind: 'rtcp', idleMs });
    });
  }

  /** A packet arrived on leg `from`: its media time goes out of the other leg. */
  #received(from: LegName, address: string, port: number, seq: number, sentAt: number): void {
    const l = from === 'A' ? this.#a : this.#b;
    const out = from === 'A' ? this.#b : this.#a;
    if (l.peer?.address !== address || l.peer.port !== port) {
      l.strangers++;
      return;
    }
    const step = l.endpoint.format.packetMs;
    let lostMs = 0;
    if (l.lastSeq >= 0) {
      const d = (seq - l.lastSeq) & 0xffff;
      if (d === 0 || d >= 0x8000) {
        // A duplicate or a late packet: its media went out already (or was given up).
        return;
      }
      lostMs = (d - 1) * step;
    }
    l.lastSeq = seq;
    out.endpoint.sendMedia(step, sentAt, lostMs);
  }
}

function legStats(l: Leg): TranscoderLegStats {
  const r = l.endpoint.report();
  const peer = l.peer;
  const received =
    peer === null
      ? null
      : (r.sources.find((s) => s.address === peer.address && s.port === peer.port) ?? null);
  return {
    local: r.local,
    peer,
    format: l.endpoint.format,
    received,
    strangers: l.strangers,
    sent: { packets: r.sent.packets, payloadBytes: r.sent.payloadBytes },
  };
}
