/**
 * The relay's control API in types: what the signalling side asks of a relay (a session's
 * legs, their peers), what it gets back (session addresses, figures, counters, events), and
 * the options of one engine. Shared by `relay.ts` (the public relay, in this thread or
 * sharded over workers) and `relay-engine.ts` (one thread). It must not know sockets,
 * sessions' state or the packet path.
 */
import type { Clock, DatagramEgress, DatagramTap } from '../core/index.js';
import type { DropReasonName } from './classifier.js';
import type { StreamStatsSnapshot } from './stats.js';

/** A transport address. */
export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

/** Which leg of a session. */
export type LegName = 'A' | 'B';

/** What to allocate: the local address each leg binds to, and the session's media timeouts. */
export interface AllocateRequest {
  readonly legA: { readonly bindAddress: string };
  readonly legB: { readonly bindAddress: string };
  /**
   * Per-leg media timeouts of this session, in milliseconds (0 or absent: off): a leg whose
   * peer is known and that received no valid RTP (`rtpMs`) or no RTCP (`rtcpMs`) for that long
   * is reported once with `media-timeout`; the session stays open for its owner to close.
   */
  readonly timeouts?: { readonly rtpMs?: number; readonly rtcpMs?: number };
}

/** A leg whose peer went silent: no RTP (or no RTCP) for `idleMs`. */
export interface MediaTimeout {
  readonly id: string;
  readonly leg: LegName;
  readonly kind: 'rtp' | 'rtcp';
  readonly idleMs: number;
}

/** A relay session as allocated: the ports to put into the SDP of each side. */
export interface RelaySessionInfo {
  readonly id: string;
  readonly legA: TransportAddress;
  readonly legB: TransportAddress;
}

/** Per-leg figures of a session. */
export interface RelayLegStats {
  /** The leg's local address. */
  readonly local: TransportAddress;
  /** The accepted source and forwarding target, or null before signalling. */
  readonly peer: TransportAddress | null;
  /** How the peer was learnt. */
  readonly peerSource: 'none' | 'signalled' | 'latched';
  /** Valid RTP packets received on this leg from its peer. */
  readonly rtpPackets: number;
  /** Valid RTCP packets received on this leg from its peer. */
  readonly rtcpPackets: number;
  /** Bytes of valid packets received on this leg. */
  readonly bytes: number;
  /** Packets received on this leg and sent out of the other leg. */
  readonly forwarded: number;
  /** Packets received on this leg and dropped, by reason (only reasons seen). */
  readonly dropped: Partial<Record<DropReasonName, number>>;
  /** RFC 3550 receive statistics of the RTP stream arriving on this leg. */
  readonly stream: StreamStatsSnapshot | null;
}

/** Figures of one session. */
export interface RelaySessionStats {
  readonly id: string;
  readonly state: 'active' | 'closed';
  readonly legA: RelayLegStats;
  readonly legB: RelayLegStats;
}

/**
 * The batched I/O path's own counters, summed over the relay's engines: how the datagrams
 * came in and went out (for profiles; the relay's figures are the other counters).
 */
export interface RelayIoCounters {
  /** Wake-ups of the event loop for the sockets the JavaScript stages handle. */
  readonly wakeups: number;
  /** Wake-ups of the forwarding threads (native forwarding). */
  readonly forwardingWakeups: number;
  /** Datagrams read. */
  readonly received: number;
  /** Datagrams the forwarding threads sent, without JavaScript. */
  readonly forwardedNatively: number;
  /** Datagrams the forwarding threads dropped, counted by reason like any other drop. */
  readonly droppedNatively: number;
  /** Datagrams handed to the JavaScript stages. */
  readonly toScript: number;
  /** Calls into JavaScript (one per wake-up of the event loop with datagrams). */
  readonly scriptCalls: number;
  /** sendmmsg system calls. */
  readonly sendCalls: number;
}

/** Relay-wide counters. */
export interface RelayCounters {
  readonly sessions: number;
  readonly received: number;
  readonly forwarded: number;
  readonly forwardedBytes: number;
  readonly rtp: number;
  readonly rtcp: number;
  /** Drops by reason; every reason is present, zero when none. */
  readonly dropped: Record<DropReasonName, number>;
  readonly droppedTotal: number;
  /** The batched I/O path's own counters; absent on the dgram path. */
  readonly io?: RelayIoCounters;
}

/** Why a session ended. */
export type SessionCloseReason = 'closed' | 'timeout' | 'shutdown';

/** Events of a relay. */
export type RelayEvents = {
  /** A session was closed; its ports are free again. */
  'session-closed': [{ id: string; reason: SessionCloseReason }];
  /** In learning mode, a leg latched onto a source (see the learning rules of the source stage). */
  'peer-latched': [{ id: string; leg: LegName; peer: TransportAddress }];
  /** A leg of a session with media timeouts went silent (reported once per leg). */
  'media-timeout': [MediaTimeout];
};

/**
 * How the relay receives and sends datagrams: `batch` through the native addon (batched,
 * Linux), `dgram` through `node:dgram`, `auto` (the default) batch when the addon is built
 * and dgram otherwise.
 */
export type RelayIo = 'auto' | 'batch' | 'dgram';

/** The environment variable that sets the default of {@link RelayEngineOptions.io}. */
export const RELAY_IO_ENV = 'MEDIAPATH_RELAY_IO';

/**
 * The environment variable that sets the default of
 * {@link RelayEngineOptions.nativeForwarding}: `off` turns it off, `on` (or nothing) leaves
 * it on.
 */
export const RELAY_NATIVE_ENV = 'MEDIAPATH_RELAY_NATIVE';

/** Options of a relay engine (one thread). */
export interface RelayEngineOptions {
  /** Inclusive port range to bind legs from; omitted: ports chosen by the OS. */
  readonly portRange?: { readonly min: number; readonly max: number } | undefined;
  /** Largest number of concurrent sessions (default 10,000). */
  readonly maxSessions?: number | undefined;
  /** Largest datagram accepted (default 1500). */
  readonly maxPacketLength?: number | undefined;
  /**
   * Learning window in milliseconds after allocation or signalling during which a leg may
   * latch onto a source other than the signalled one, once that source has sent a few RTP
   * packets in sequence (the signalled peer's first packet ends the window). 0 (the default)
   * means strict: only the signalled peer is accepted.
   */
  readonly learningWindowMs?: number | undefined;
  /** A session with no valid packet for this long is closed (default 30,000; 0: never). */
  readonly inactivityTimeoutMs?: number | undefined;
  /** Period of the coarse inactivity ticker (default 1,000 ms). */
  readonly tickMs?: number | undefined;
  /**
   * Connect each leg's socket to its peer once known. Sends then skip the per-packet
   * address handling, and the kernel itself discards datagrams from other sources, so
   * strangers are not seen (nor counted) by the relay. Default false.
   */
  readonly connectSockets?: boolean | undefined;
  /** SO_RCVBUF and SO_SNDBUF for each leg socket, in bytes; omitted: system default. */
  readonly socketBufferBytes?: number | undefined;
  /** Prefix of session ids (distinguishes shards). */
  readonly idPrefix?: string | undefined;
  /** Time source (default: the system clock). */
  readonly clock?: Clock | undefined;
  /**
   * Sends forwarded packets through this (link impairment in user space) instead of straight
   * to the socket. Leg sockets are then never connected. One thread only: an egress cannot be
   * shared with worker threads.
   */
  readonly egress?: DatagramEgress | undefined;
  /**
   * Batched I/O through the native addon, or `node:dgram` (see {@link RelayIo}). Default:
   * `MEDIAPATH_RELAY_IO`, else `auto`. With an egress the relay always uses dgram.
   */
  readonly io?: RelayIo | undefined;
  /**
   * Told of every datagram a leg receives, before any check (a capture of the run). One
   * thread only. Costs one comparison per datagram when absent. A tap keeps every datagram
   * in JavaScript: native forwarding is off with one.
   */
  readonly tap?: DatagramTap | undefined;
  /**
   * On the batch path, let the addon's forwarding thread handle established streams (a leg
   * whose source is final and whose other leg has a peer): it classifies, checks the source,
   * counts (the same counters, drops by reason and RFC 3550 statistics as the JavaScript
   * stages) and forwards their datagrams, without the event loop or JavaScript; every other
   * leg's datagrams still go through the stages. Default: `MEDIAPATH_RELAY_NATIVE` (`off`
   * turns it off), else on. Ignored on the dgram path and with a tap.
   */
  readonly nativeForwarding?: boolean | undefined;
}
