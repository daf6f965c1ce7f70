/**
 * What the policy engine answers for one call: the decision with its legs, holding, refusal
 * answer and ordered rule trace, and the options a caller may pass. Types only, shared by
 * every file of the engine and by its users; it must not know how a decision is made.
 */
import type {
  CallKind,
  Client,
  CodecName,
  Decision,
  DeploymentKind,
  Gateway,
  Modality,
  VideoCodecName,
} from '../scenario/index.js';
import type { BypassId } from '../topology/index.js';
import type { Holding } from './ledger.js';
import type { TraceStep } from './trace.js';

/** An audio or a video codec (the codec table's `MediaCodec`). */
type MediaCodec = CodecName | VideoCodecName;

/** One constrained link as a leg check saw it. */
export interface LinkCheck {
  readonly link: string;
  readonly modality: Modality;
  readonly usedKbps: number;
  readonly requestKbps: number;
  readonly limitKbps: number | null;
  readonly sessionLimitKbps: number | null;
  readonly ok: boolean;
}

/** The CAC check of one media leg (docs/rules.md b.2#20, c.3). */
export interface LegCheck {
  /** `A` client<->MS, `B` MS<->peer, `p2p`, or an alternate-path sub-path. */
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly fromSite: string | null;
  readonly toSite: string | null;
  readonly modality: Modality;
  readonly codec: MediaCodec | null;
  readonly kbps: number;
  readonly links: readonly LinkCheck[];
  readonly verdict: 'admitted' | 'refused' | 'unchecked';
  readonly why: string;
}

/** How a refused call was carried after all (docs/rules.md c.5). */
export type Reroute =
  | { readonly via: 'internet'; readonly edges: readonly string[] }
  | { readonly via: 'pstn'; readonly trunks: readonly string[] }
  | { readonly via: 'voicemail'; readonly host: string }
  | { readonly via: 'override' };

/**
 * One media stream the live run carries, both ways, between two media endpoints of the path
 * (clients, Mediation Servers, gateways, voice mail; A/V Edges and Teams relays between them
 * forward it unchanged). What it sends follows the codec table (c.4).
 */
export interface StreamPlan {
  readonly modality: Modality;
  /** The two hosts that send and receive the stream, in path order. */
  readonly between: readonly [string, string];
  readonly codec: MediaCodec;
  /** The encoding name and payload type of the RTP stream. */
  readonly rtpName: string;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly channels: number;
  /** Forward error correction: every packet also carries the previous frame. */
  readonly fec: boolean;
  readonly packetMs: number;
  readonly packetsPerSecond: number;
  readonly payloadBytes: number;
  /** What CAC counts for it, kbps one direction (c.4, the chosen table and overrides). */
  readonly kbps: number;
}

/** One endpoint of a called user, as the call forks to it (b.5 #37). */
export interface RingingEndpoint {
  readonly endpoint: string;
  /** The endpoint's own decision, had it answered (its own bypass choice, b.1 #12). */
  readonly decision: Decision;
  readonly bypass: boolean;
  readonly mediaPath: readonly string[];
  /** Where its early media would come from: itself when it bypasses, else the Mediation Server. */
  readonly mediaFrom: string | null;
  readonly answers: boolean;
  /** Its provisional answer goes to the gateway peer as an early dialog (inbound PSTN only). */
  readonly earlyDialog: boolean;
  /** It rings and is cancelled when another endpoint answers. */
  readonly cancelled: boolean;
  readonly reason: string;
}

/** A call to a user that forks to each of the user's endpoints (b.5 #37, #38). */
export interface Forking {
  readonly user: string;
  /** Every endpoint, in the order the call forks to them. */
  readonly endpoints: readonly RingingEndpoint[];
  readonly answeredBy: string;
  /** How long the endpoints ring before one answers. */
  readonly answerAfterMs: number;
  /** Early dialogs the Mediation Server forwards to the gateway peer (0 unless inbound PSTN). */
  readonly earlyDialogs: number;
  /** The trunk's MaxEarlyDialogs (inbound PSTN only). */
  readonly maxEarlyDialogs: number | null;
  /** The peer is given more early dialogs than it handles (b.5 #38). */
  readonly peerMishandles: boolean;
  /** The first words of the answering endpoint's greeting are lost (b.5 #38). */
  readonly greetingClipped: boolean;
}

/** How a transfer is carried out (b.5 #39). */
export type TransferMethod = 'refer' | 'mediation-server' | 'third-party-call-control' | 'teams';

/** A blind transfer during the call (b.5 #39): what the live run does at the transfer time. */
export interface TransferPlan {
  /** Ms after the call starts. */
  readonly atMs: number;
  /** The client that transfers (the enterprise party). */
  readonly by: string;
  /** The target as written: a user, a client or a number. */
  readonly to: string;
  readonly method: TransferMethod;
  /** True when the call can no longer bypass the Mediation Server after the transfer. */
  readonly bypassLost: boolean;
  readonly why: string;
  /** The id of the call that carries on after the transfer (decided at the transfer time). */
  readonly callId: string;
}

/** What happens to a PSTN call whose peer sends no RTCP (b.5 #40). */
export interface RtcpPlan {
  readonly peerSendsRtcp: boolean;
  readonly rtcpActiveCalls: boolean;
  /** Ms after the answer at which the call is torn down; null: it is kept. */
  readonly teardownAfterMs: number | null;
  /** Who tears it down: the Mediation Server (relayed media) or the client (bypassed). */
  readonly by: string | null;
}

/** The Teams Direct Routing part of a decision (g): which cloud relays carry the media. */
export interface TeamsMedia {
  readonly sbc: string;
  /** `Set-CsOnlinePSTNGateway -MediaBypass`. */
  readonly mediaBypass: boolean;
  /** The SBC address the client sends to. */
  readonly sbcAddress: 'internal' | 'public';
  /** The SBC that terminates the media (the proxy SBC under Local Media Optimization). */
  readonly mediaSbc: string;
  readonly transportRelay: string | null;
  readonly mediaProcessor: string | null;
  /** Why the Media Processor is in the path; null when it is not. */
  readonly mediaProcessorWhy: string | null;
  /** Whether the client counts as inside the corporate network (trusted IPs, g.5). */
  readonly clientInternal: boolean;
  /** A 1:1 call that escalates to a group call: a Media Processor joins from then on (g.3). */
  readonly escalation: {
    readonly atMs: number;
    readonly mediaProcessor: string;
    readonly mediaPath: readonly string[];
  } | null;
}

/** The decision for one call, with its ordered rule trace. */
export interface CallDecision {
  readonly callId: string;
  readonly kind: CallKind;
  readonly from: string;
  readonly to: string;
  readonly decision: Decision;
  readonly bypass: boolean;
  /** One line: why this decision. */
  readonly reason: string;
  /** Predicted media path, caller first (`alice`, `ms-chi`, `gw-chi`). Empty when rejected. */
  readonly mediaPath: readonly string[];
  readonly trunk: string | null;
  readonly mediationServer: string | null;
  /** Codec on the caller's side and on the callee's side of the media path. */
  readonly codecs: { readonly caller: CodecName | null; readonly callee: CodecName | null };
  readonly bypassIds: {
    readonly client: BypassId | null;
    readonly gateway: BypassId | null;
  } | null;
  readonly legs: readonly LegCheck[];
  /** Bandwidth and channels the call holds while it lasts. */
  readonly holding: Holding;
  /** Final SIP response the caller sees when the call is refused. */
  readonly sip: { readonly status: number; readonly reason: string } | null;
  readonly reroute: Reroute | null;
  /** Known misbehaviour the configuration leads to (b.1 #15), shown next to the decision. */
  readonly warnings: readonly string[];
  readonly trace: readonly TraceStep[];
  /** The deployment that decided the call (g). */
  readonly deployment: DeploymentKind;
  /** The streams the live run sends, per pair of media endpoints; empty when rejected. */
  readonly streams: readonly StreamPlan[];
  /** The endpoints a call to a user rings (b.5 #37); null for a call to a client. */
  readonly forking: Forking | null;
  /** A transfer during the call (b.5 #39); null when there is none. */
  readonly transfer: TransferPlan | null;
  /** RTCP supervision of a PSTN call whose peer sends none (b.5 #40); null otherwise. */
  readonly rtcp: RtcpPlan | null;
  /** The Teams Direct Routing relays (g); null under Skype for Business Server. */
  readonly teams: TeamsMedia | null;
}

/** Options of one decision. */
export interface DecideOptions {
  /** Record the rule trace (on by default; the benchmark measures both). */
  readonly trace?: boolean;
  /** b.1 #16: whether a direct client<->gateway path works; the live run can tell. */
  readonly directPathWorks?: (client: Client, gateway: Gateway) => boolean;
  /** Decide under this deployment instead of the scenario's own (its contrast, g). */
  readonly deployment?: DeploymentKind;
}
