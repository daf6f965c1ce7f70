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
  Gateway,
  Modality,
} from '../scenario/index.js';
import type { BypassId } from '../topology/index.js';
import type { Holding } from './ledger.js';
import type { TraceStep } from './trace.js';

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
  readonly codec: CodecName | null;
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
}

/** Options of one decision. */
export interface DecideOptions {
  /** Record the rule trace (on by default; the benchmark measures both). */
  readonly trace?: boolean;
  /** b.1 #16: whether a direct client<->gateway path works; the live run can tell. */
  readonly directPathWorks?: (client: Client, gateway: Gateway) => boolean;
}
