/**
 * The interface between the lab's hosts and media: a media session per host per call, opened
 * by a `MediaFactory` (real UDP endpoints in `endpoint-media.ts`).
 *
 * It must not know SIP, policy or any kind of host.
 */
import type { DatagramEgress, DatagramTap } from '../core/index.js';
import type { StreamFormat } from '../media/index.js';
import type { HostDrop, ReceivedStream } from '../report/index.js';

/** What one media session of one host saw during a call. */
export interface MediaSnapshot {
  readonly received: readonly ReceivedStream[];
  readonly drops: readonly HostDrop[];
  readonly sent: number;
}

/**
 * The media end of one stream of one call on one host (a client, a gateway, a voice mail
 * server): it sends its codec's packets (G.711 every 20 ms unless told otherwise) to the remote
 * address the signalling gave it, and records what it receives per source. A video call has a
 * second session per host for its video stream.
 */
export interface MediaSession {
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly modality: 'audio' | 'video';
  /** What the session sends, once the offer and answer settled it; before `start()` only. */
  setFormat(format: StreamFormat): void;
  /** Where to send; media starts flowing on `start()`. */
  setRemote(address: string, port: number): void;
  start(): void;
  stop(): void;
  /** Notes what each source sent so far (reported as `packetsBeforeMark`). */
  mark(): void;
  snapshot(): MediaSnapshot;
  close(): Promise<void>;
  /**
   * Called once when, while sending, nothing arrived for `silenceTimeoutMs` (the peer is
   * gone); a later call replaces the listener. A transcoding session calls it once per silent
   * leg and kind (RTP, or RTCP where asked).
   */
  onSilence(listener: (idleMs: number, leg: 'A' | 'B', kind: 'rtp' | 'rtcp') => void): void;
  /**
   * Watches the peer's RTCP from now on: `listener` is called once when none came for
   * `timeoutMs` while sending (b.5 #40). A transcoding session's legs watch from the start.
   */
  watchRtcp(timeoutMs: number, listener: (idleMs: number) => void): void;
  /**
   * A transcoding session's second leg (towards a gateway): where its peer sends, and where
   * it sends to. Null for the session of an endpoint.
   */
  readonly far: MediaLeg | null;
  /** Closes at once without a last RTCP report (the host is killed). */
  kill(): void;
}

/** One leg of a transcoding session: its address, and its peer's. */
export interface MediaLeg {
  readonly address: string;
  readonly port: number;
  setRemote(address: string, port: number): void;
}

/**
 * A session that transcodes (a Mediation Server between a client's codec and a gateway's
 * G.711, c.4): the session's own address is leg A with `format`, this is leg B.
 */
export interface TranscodeOptions {
  readonly bindAddress: string;
  readonly format: StreamFormat;
  /** No RTCP from a leg's peer for this long is reported (b.5 #40); 0: off. */
  readonly rtcpTimeoutMs: number;
}

export interface MediaSessionOptions {
  /** RTP payload type: 0 for PCMU, 8 for PCMA; ignored when `format` is given. */
  readonly payloadType: number;
  /** Any codec's packets (payload type, clock, interval, size). */
  readonly format?: StreamFormat;
  /** Audio (the default) or the video stream of a video call. */
  readonly modality?: 'audio' | 'video';
  /** False: the session sends no RTCP at all (a peer without RTCP, b.5 #40). */
  readonly rtcp?: boolean;
  /** Transcode: the session is two legs with a codec each (leg A sends `format`). */
  readonly transcode?: TranscodeOptions;
  /**
   * Sources this host accepts media from. Packets from any other source are counted as
   * dropped with `dropReason` (an SBC that accepts media only from the Mediation Server).
   */
  readonly acceptFrom?: (address: string) => boolean;
  readonly dropReason?: string;
  /** Where packets go out through when links are impaired. */
  readonly egress?: DatagramEgress;
  /** Told of every datagram the session receives (a capture of the run). */
  readonly tap?: DatagramTap;
  /** No RTP received for this long while sending: the session reports silence (0: never). */
  readonly silenceTimeoutMs?: number;
}

/** What a host asks of the stream it opens a session for: its codec's packets, and its kind. */
export type MediaStreamOptions = Pick<
  MediaSessionOptions,
  'format' | 'modality' | 'transcode' | 'rtcp'
>;

/** Opens media sessions; the lab owns one for the whole run. */
export interface MediaFactory {
  open(host: string, bindAddress: string, options: MediaSessionOptions): Promise<MediaSession>;
  close(): Promise<void>;
}
