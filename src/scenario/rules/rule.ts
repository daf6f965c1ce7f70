/**
 * The shape of a semantic rule of the scenario, and of what it looks at and reports.
 *
 * A rule checks one kind of object (its *subject*: a site, a trunk configuration, a call, or
 * the scenario as a whole), one object at a time, and reports problems through the context it
 * is given. It is described by an id (the rule of docs/rules.md it implements, such as `d.V13`, or a
 * stable name of our own, such as `calls.known-caller`), one sentence on what it checks and the
 * messages it can report. The one ordered list of rules is `index.ts`.
 *
 * This file must not know any particular rule, nor YAML, zod or source positions.
 */
import type { PathSegments, Severity } from '../problems.js';
import type {
  BwPolicyProfile,
  Call,
  Client,
  Edge,
  Gateway,
  Host,
  InterSitePolicy,
  LinkImpairment,
  MediaConfiguration,
  MediationServer,
  Region,
  RegionLink,
  RegionRoute,
  Scenario,
  Site,
  Subnet,
  TrafficStream,
  TeamsSbc,
  TrunkConfiguration,
  User,
  VoicePolicy,
} from '../types.js';

/** A problem found by a semantic rule, before it is given a source position. */
export interface RuleProblem {
  readonly severity: Severity;
  readonly code: string;
  readonly path: PathSegments;
  readonly message: string;
  readonly expected?: string;
  /** The docs/rules.md rule the problem comes from, when the rule that found it is one. */
  readonly rule?: string;
  /** Point at the key rather than the value (duplicates). */
  readonly atKey?: boolean;
}

/** One object a rule checks: the object, its index in its list and its dot-path. */
export interface Item<T> {
  readonly value: T;
  readonly index: number;
  readonly path: PathSegments;
}

/** The keys of `hosts:`, in the order the rules visit them. */
export const HOST_LISTS = [
  'mediationServers',
  'gateways',
  'clients',
  'edges',
  'voicemail',
] as const;
export type HostList = (typeof HOST_LISTS)[number];

/** A host of any kind; `index` is its index in its own list (`list`), `order` among all hosts. */
export interface HostItem extends Item<Host> {
  readonly list: HostList;
  readonly order: number;
}

/**
 * What each subject's items are. The trunk configurations, media configurations and voice
 * policies are only those written in the file, not the global ones the normalizer adds.
 */
export interface SubjectItems {
  readonly scenario: Item<Scenario>;
  readonly host: HostItem;
  readonly region: Item<Region>;
  readonly site: Item<Site>;
  readonly subnet: Item<Subnet>;
  readonly bwPolicyProfile: Item<BwPolicyProfile>;
  readonly regionLink: Item<RegionLink>;
  readonly regionRoute: Item<RegionRoute>;
  readonly interSitePolicy: Item<InterSitePolicy>;
  readonly trunkConfiguration: Item<TrunkConfiguration>;
  readonly mediaConfiguration: Item<MediaConfiguration>;
  readonly voicePolicy: Item<VoicePolicy>;
  readonly mediationServer: Item<MediationServer>;
  readonly gateway: Item<Gateway>;
  readonly client: Item<Client>;
  readonly edge: Item<Edge>;
  readonly link: Item<LinkImpairment>;
  readonly call: Item<Call>;
  /** A stream of the busy hour's offered load (`traffic.streams`). */
  readonly trafficStream: Item<TrafficStream>;
  readonly user: Item<User>;
  readonly teamsSbc: Item<TeamsSbc>;
}

/** The kind of object a rule checks. */
export type Subject = keyof SubjectItems;

/**
 * What several rules need to know about the scenario as a whole, computed once per run
 * (`facts.ts`): the names of each kind, and for the uniqueness rules the earlier object with
 * the same key. An "earlier" entry is the index of the last earlier object with that key, or
 * `undefined` when there is none.
 */
export interface ScenarioFacts {
  readonly regionNames: ReadonlySet<string>;
  readonly siteNames: ReadonlySet<string>;
  readonly profileNames: ReadonlySet<string>;
  readonly regionLinkNames: ReadonlySet<string>;
  /** Including the global policy the normalizer adds. */
  readonly voicePolicyNames: ReadonlySet<string>;
  readonly hostNames: ReadonlySet<string>;
  readonly mediationServerNames: ReadonlySet<string>;
  readonly gatewayNames: ReadonlySet<string>;
  readonly clientNames: ReadonlySet<string>;
  /** Per subnet: its address parsed (not masked), or -1 when it is not an IPv4 address. */
  readonly subnetAddresses: readonly number[];
  /** Every host, Mediation Servers first, then gateways, clients, Edges and voice mail. */
  readonly hosts: readonly HostItem[];
  /** Per host (by position in `hosts`): the earlier host with the same name. */
  readonly earlierHostWithName: readonly (number | undefined)[];
  /**
   * Per host (by position in `hosts`) and per address of it ({@link hostAddresses}): the name
   * of the host that used the address last before (possibly the same host).
   */
  readonly addressUsedBy: readonly (readonly (string | undefined)[])[];
  /** The region pairs ({@link pairKey}) joined by a route between two different regions. */
  readonly routedRegionPairs: ReadonlySet<string>;
  /** Per region route: the earlier route between the same two (different) regions. */
  readonly earlierRoute: readonly (number | undefined)[];
  /** Per inter-site policy: the earlier policy between the same two sites. */
  readonly earlierInterSitePolicy: readonly (number | undefined)[];
  /** Per trunk configuration written in the file: the earlier one with the same scope. */
  readonly earlierTrunkScope: readonly (number | undefined)[];
  /** Per call: the earlier call with the same id. */
  readonly earlierCallId: readonly (number | undefined)[];
  readonly userNames: ReadonlySet<string>;
  /** Per client that is an endpoint: the first user that lists it. */
  readonly endpointOwner: ReadonlyMap<string, string>;
  /** The Teams Media Processors and Transport Relays (g.2). */
  readonly teamsRelayNames: ReadonlySet<string>;
}

/** The addresses of a host, each with the key it is written under. */
export function hostAddresses(host: Host): readonly { field: string; ip: string }[] {
  return host.kind === 'mediation-server'
    ? [
        { field: 'clientIp', ip: host.clientIp },
        { field: 'gatewayIp', ip: host.gatewayIp },
      ]
    : [{ field: 'ip', ip: host.ip }];
}

/** A key for an unordered pair of names. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** Optional details of a problem. */
export interface ProblemDetails {
  /** What would have been valid, for the `(expected ...)` part of the message. */
  readonly expected?: string;
}

/** What a rule is given besides the object it checks. */
export interface RuleContext {
  readonly scenario: Scenario;
  /** Names and earlier occurrences, computed once per run for every rule. */
  readonly facts: ScenarioFacts;
  /** True when the scenario file itself has a value at `path` (not only a default). */
  readonly present: (path: PathSegments) => boolean;
  /** Reports an error: the scenario does not load. */
  error(path: PathSegments, code: string, message: string, details?: ProblemDetails): void;
  /** Reports a warning: the scenario loads, and the user is told. */
  warning(path: PathSegments, code: string, message: string, details?: ProblemDetails): void;
}

/**
 * A semantic rule of the scenario.
 *
 * When `id` is a cited rule of docs/rules.md (`rules.ts`), every problem the rule reports names it
 * (`[d.V13]`); a rule of our own reports problems without a rule id. One domain rule that
 * applies to several kinds of object (d.V9, d.V11) is several entries with the same id.
 */
export interface ScenarioRule<S extends Subject = Subject> {
  /** A cited rule of docs/rules.md (`d.V13`, `a.3`, `b.0#1`), or our own `<kind>.<what>`. */
  readonly id: string;
  /** The kind of object it checks. */
  readonly subject: S;
  /** What it checks, in one sentence. */
  readonly checks: string;
  /** The messages it can report; `<...>` stands for a part taken from the scenario. */
  readonly messages: readonly string[];
  /** Checks one object and reports what is wrong with it. */
  check(item: SubjectItems[S], ctx: RuleContext): void;
}

/**
 * Describes a rule: `check` is a named function, the rest says what it is. The subject's type
 * flows into the check's parameter.
 */
export function defineRule<S extends Subject>(
  description: Omit<ScenarioRule<S>, 'check'>,
  check: (item: SubjectItems[S], ctx: RuleContext) => void,
): ScenarioRule<S> {
  return { ...description, check };
}
