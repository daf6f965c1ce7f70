/**
 * Calls that are not in the scenario's timeline: an INVITE from an outside peer (a scenario
 * host played by a real SIP tool: SIPp, a softphone, an SBC under test) becomes a call of the
 * run, addressed the way a real peer addresses one. A gateway calls a user by the user part of
 * the Request-URI: the user's name, the user part of its SIP URI, or its Line URI number (with
 * or without `+`). A client calls a number (digits, optionally with `+`), routed by its voice
 * policy's routes to a trunk of the Mediation Server it called, else that Mediation Server's
 * first gateway; or a gateway by name. No special header is needed.
 *
 * It must not know SIP transactions, media or how the call is then routed: it reads the
 * INVITE's addressing and the scenario, and returns the call or the status to refuse it with.
 */
import { dialString, lineUriNumber } from '../core/index.js';
import { REFUSAL_SIP } from '../policy/index.js';
import { PLAIN_CALL_OPTIONS, type Call, type CodecName, type Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';

/** What the resolver reads of an INVITE. */
export interface OutsideInvite {
  /** The scenario host the INVITE came from (an outside peer). */
  readonly from: string;
  /** The Mediation Server that received it, and on which of its listeners. */
  readonly mediationServer: string;
  readonly side: 'client' | 'gateway';
  readonly requestUri: string;
  /** The codecs of the offer, in its order. */
  readonly codecs: readonly string[];
}

/** A call made from an INVITE, or the status to refuse the INVITE with. */
export type OutsideCall =
  | { readonly call: Omit<Call, 'id' | 'atMs'> }
  | { readonly reject: number; readonly reason: string };

const NUMBER_RE = /^\+?\d{2,20}$/;

/** The user part of a SIP URI, unescaped; undefined when there is none. */
export function uriUser(uri: string): string | undefined {
  const m = /^sips?:([^@;?]+)@/i.exec(uri);
  if (!m?.[1]) {
    return undefined;
  }
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/**
 * The call an outside peer's INVITE places, addressed as a real peer would (see the file
 * header), or the refusal: 404 for a user or number that nothing serves, 403 for a host that
 * may not call this listener.
 */
export function outsideCall(s: Scenario, topo: Topology, inv: OutsideInvite): OutsideCall {
  const user = uriUser(inv.requestUri);
  const codec = firstG711(inv.codecs);
  const gateway = topo.gateway(inv.from);
  if (gateway) {
    if (inv.side !== 'gateway') {
      return forbidden(`gateway ${inv.from} calls the client side of ${inv.mediationServer}`);
    }
    const client = user === undefined ? undefined : clientByUser(s, user);
    if (!client) {
      return notFound(`no user ${user ?? '(none)'} here`);
    }
    return {
      call: {
        ...common(codec),
        kind: 'inbound-pstn',
        from: gateway.name,
        to: client,
        trunk: gateway.name,
        number: null,
      },
    };
  }
  const client = topo.client(inv.from);
  if (!client || inv.side !== 'client') {
    return forbidden(`${inv.from} may not call the ${inv.side} side of ${inv.mediationServer}`);
  }
  if (user !== undefined && topo.gateway(user)) {
    return {
      call: {
        ...common(codec),
        kind: 'outbound-pstn',
        from: client.name,
        to: user,
        trunk: user,
        number: null,
      },
    };
  }
  if (user === undefined || !NUMBER_RE.test(user)) {
    return notFound(`no number or gateway ${user ?? '(none)'}`);
  }
  const number = user.startsWith('+') ? user : `+${user}`;
  const trunk = trunkFor(s, client.voicePolicy, number, inv.mediationServer);
  if (trunk === undefined) {
    return notFound(`no trunk of ${inv.mediationServer} routes ${number}`);
  }
  return {
    call: {
      ...common(codec),
      kind: 'outbound-pstn',
      from: client.name,
      to: trunk,
      trunk,
      number,
    },
  };
}

/** What every call placed by an outside peer has: no timeline place, none of the options. */
function common(
  codec: CodecName | null,
): Omit<Call, 'id' | 'atMs' | 'kind' | 'from' | 'to' | 'trunk' | 'number'> {
  return {
    index: -1,
    durationMs: 0,
    codec,
    modality: 'audio',
    expect: null,
    ...PLAIN_CALL_OPTIONS,
  };
}

function notFound(why: string): OutsideCall {
  return { reject: REFUSAL_SIP.noRoute.status, reason: `Not Found (${why})` };
}

function forbidden(why: string): OutsideCall {
  return { reject: REFUSAL_SIP.unknownPeer.status, reason: `Forbidden (${why})` };
}

function firstG711(codecs: readonly string[]): CodecName | null {
  const c = codecs.find((x) => x === 'PCMU' || x === 'PCMA');
  return c === 'PCMU' || c === 'PCMA' ? c : null;
}

/** The client a user part names: its name, its SIP URI's user, or its Line URI number. */
function clientByUser(s: Scenario, user: string): string | undefined {
  const digits = dialString(user);
  for (const c of s.hosts.clients) {
    if (c.name === user || uriUser(c.sipUri) === user) {
      return c.name;
    }
    if (c.lineUri !== null && NUMBER_RE.test(user)) {
      if (dialString(lineUriNumber(c.lineUri)) === digits) {
        return c.name;
      }
    }
  }
  return undefined;
}

/**
 * The trunk for a number: the first trunk of the caller's voice policy routes that match and
 * belong to this Mediation Server, else this Mediation Server's first gateway.
 */
function trunkFor(
  s: Scenario,
  policyName: string,
  number: string,
  mediationServer: string,
): string | undefined {
  const mine = new Set(
    s.hosts.gateways.filter((g) => g.mediationServer === mediationServer).map((g) => g.name),
  );
  const policy =
    s.voicePolicies.find((v) => v.name === policyName) ??
    s.voicePolicies.find((v) => v.name === 'global');
  for (const route of policy?.routes ?? []) {
    if (
      safeMatch(route.numberPattern, number) ||
      safeMatch(route.numberPattern, dialString(number))
    ) {
      const trunk = route.trunks.find((t) => mine.has(t));
      if (trunk !== undefined) {
        return trunk;
      }
    }
  }
  return [...mine][0];
}

/** Configured patterns, compiled once each (null: not a valid regex). */
const PATTERNS = new Map<string, RegExp | null>();

/** Whether a configured pattern matches; a pattern that is not a valid regex matches nothing. */
function safeMatch(pattern: string, text: string): boolean {
  let re = PATTERNS.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
    // The patterns come from the scenario: a few, and the same for every call.
    PATTERNS.set(pattern, re);
  }
  return re?.test(text) === true;
}

/**
 * Where each outside peer listens for SIP: the hosts the scenario marks `external` (at the
 * host's address in the run's mode, on their `sipPort`), then the ones the caller names
 * (tests, `--peer`), which win.
 */
export function externalPeers(
  s: Scenario,
  addressing: { addressOf(host: string): string },
  given: ReadonlyMap<string, { readonly address: string; readonly port: number }> | undefined,
): Map<string, { readonly address: string; readonly port: number }> {
  const out = new Map<string, { readonly address: string; readonly port: number }>();
  for (const h of [...s.hosts.gateways, ...s.hosts.clients]) {
    if (h.external) {
      out.set(h.name, { address: addressing.addressOf(h.name), port: h.external.sipPort });
    }
  }
  for (const [host, at] of given ?? []) {
    out.set(host, at);
  }
  return out;
}
