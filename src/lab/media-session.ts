/**
 * The interface between the lab's hosts and media: a media session per host per call, opened
 * by a `MediaFactory` (real UDP endpoints in `endpoint-media.ts`).
 *
 * It must not know SIP, policy or any kind of host.
 */
import type { DatagramEgress, DatagramTap } from '../core/index.js';
import type { HostDrop, ReceivedStream } from '../report/index.js';

/** What one media session of one host saw during a call. */
export interface MediaSnapshot {
  readonly received: readonly ReceivedStream[];
  readonly drops: readonly HostDrop[];
  readonly sent: number;
}

/**
 * The media end of one call on one host (a client, a gateway, a voice mail server): it sends
 * G.711 every 20 ms to the remote address the signalling gave it, and records what it receives
 * per source.
 */
export interface MediaSession {
  readonly host: string;
  readonly address: string;
  readonly port: number;
  /** Where to send; media starts flowing on `start()`. */
  setRemote(address: string, port: number): void;
  start(): void;
  stop(): void;
  snapshot(): MediaSnapshot;
  close(): Promise<void>;
  /**
   * Called once when, while sending, nothing arrived for `silenceTimeoutMs` (the peer is
   * gone); a later call replaces the listener.
   */
  onSilence(listener: (idleMs: number) => void): void;
  /** Closes at once without a last RTCP report (the host is killed). */
  kill(): void;
}

export interface MediaSessionOptions {
  /** RTP payload type: 0 for PCMU, 8 for PCMA. */
  readonly payloadType: number;
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

/** Opens media sessions; the lab owns one for the whole run. */
export interface MediaFactory {
  open(host: string, bindAddress: string, options: MediaSessionOptions): Promise<MediaSession>;
  close(): Promise<void>;
}
