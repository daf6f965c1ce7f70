/**
 * What a host of the live lab needs from the run it is part of: the scenario and its topology,
 * the run's addresses, the Bandwidth Policy Service, where other hosts listen for SIP, its own
 * user agent, the relay of a host, the call record of an INVITE, relay tracking, media and a
 * timer. The hosts (`hosts/*.ts`) and the A/V Edge chains see the run only through this
 * interface; `lab.ts` implements it.
 *
 * It must not know how a run is bound, started or closed, which process runs which host, or how
 * the policy service and other processes' relays are reached.
 */
import type { Logger } from '../core/index.js';
import type { MediaTimeout, Relay } from '../media/index.js';
import type { Scenario } from '../scenario/index.js';
import type { B2buaReject, IncomingCall, UserAgent } from '../sip/index.js';
import type { Topology } from '../topology/index.js';
import type { Addressing } from './addressing.js';
import type { Call } from '../scenario/index.js';
import type { CallRecord, CallRequest } from './call-observations.js';
import type { MediaSession, MediaStreamOptions } from './media-session.js';
import type { PolicyPort } from './policy-port.js';

/** Marks the legs of a call re-routed through the PSTN (c.5 #19). */
export const PSTN_LEG_HEADER = 'x-mediapath-pstn';

/** The relay operations the lab uses, on a host of this process or of another. */
export type RelayControl = Pick<Relay, 'allocate' | 'setPeer' | 'close' | 'stats'>;

/**
 * A host's SIP listeners: the client-facing one (every host), a Mediation Server's
 * gateway-facing one, and the PSTN-facing one of a gateway (for the PSTN itself, its only one).
 */
export type ListenerSide = 'client' | 'gateway' | 'pstn';

/** Which sources a host's media accepts: all (`null`) or those the function lets through. */
export type AcceptFrom = ((address: string) => boolean) | null;

/** What the run gives each of its hosts. */
export interface HostContext {
  readonly scenario: Scenario;
  readonly topology: Topology;
  readonly addressing: Addressing;
  /** The Bandwidth Policy Service, in this process or over the control channel. */
  readonly policy: PolicyPort;
  readonly log: Logger;
  /** Whether a host is a real SIP peer outside the lab (SIPp, a PBX) that places its own calls. */
  isExternal(host: string): boolean;
  /** Whether a host of the lab runs in another process (an agent: it reads the lab's headers). */
  runsElsewhere(host: string): boolean;
  /**
   * The SIP URI of `user` at a host's listener.
   * @throws {InternalError} when the host's listener is neither bound here nor at a fixed port.
   */
  uri(host: string, user: string, side?: ListenerSide): string;
  /**
   * The client-facing user agent of a host of this process.
   * @throws {InternalError} when this process does not run the host.
   */
  userAgent(host: string): UserAgent;
  /** The relay of a host: this process's own, or another process's over the control channel. */
  relayOf(host: string): RelayControl;
  /**
   * The call record an INVITE (or a request within its dialog) belongs to (see
   * `CallObservations.recordOf`).
   */
  recordOf(invite: CallRequest): CallRecord | undefined;
  /** The record of the part of a call after its transfer (see `CallObservations.partOf`). */
  partOf(rec: CallRecord, part: Call): CallRecord;
  /**
   * The call an INVITE to a Mediation Server belongs to: a call of the timeline, or, from an
   * outside peer, a call of its own (`outside-calls.ts`); else the refusal (403 for a stranger,
   * 404 for a user or number nothing serves).
   */
  callOf(
    invite: IncomingCall,
    mediationServer: string,
    side: 'client' | 'gateway',
  ): CallRecord | B2buaReject;
  /**
   * Whether a gateway is marked down by the Mediation Server's keep-alives: the refusal for a
   * call routed to it, or null when it is up (or not watched).
   */
  peerDown(host: string): B2buaReject | null;
  /**
   * Hands the media timeouts of a relay session of this process (allocated with `timeouts`)
   * to `onTimeout`, once per silent leg.
   */
  watchRelay(sessionId: string, onTimeout: (t: MediaTimeout) => void): void;
  /** The scenario call a SIP dialog belongs to, as learnt from the messages seen so far. */
  scenarioCallOf(sipCallId: string): string | undefined;
  /** Reads a relay session's figures for the report once the call has ended, then closes it. */
  trackRelay(rec: CallRecord, host: string, sessionId: string): void;
  /**
   * The call ended at this host: its tracked relay sessions are read for the report and closed
   * now (after the last packets settled), not when the whole call's outcome is known.
   */
  releaseRelays(rec: CallRecord): void;
  /**
   * Opens a media session of the call on a host, at the host's address: G.711 audio unless
   * `stream` asks for another codec's packets or for the video stream.
   */
  openMedia(
    rec: CallRecord,
    host: string,
    acceptFrom: AcceptFrom,
    stream?: MediaStreamOptions,
  ): Promise<MediaSession>;
  /** Runs `fn` after `ms` milliseconds unless the run has closed by then. */
  later(ms: number, fn: () => void): void;
}
