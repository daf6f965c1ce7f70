/**
 * Call admission control for one media leg (docs/rules.md b.2, c.1-c.3): whether CAC runs at all
 * (b.2 #18), locating the endpoints (c.1), the path between their sites (c.2, asked of the
 * topology), the limits of each constrained link with A9 applied, the session limit as codec
 * governor (c.3 #14), the room on each link (c.3 #11) and the claim of what an admitted leg
 * reserves (c.3 #12); also the gateway channels a PSTN call occupies. It must not know about
 * bypass or the refusal chain: a refused leg is returned, and the caller decides what follows.
 */
import type { Gateway, Modality, Region } from '../scenario/index.js';
import type { PathLink } from '../topology/index.js';
import type { LegCheck, LinkCheck } from './call-decision.js';
import type { MediaCodec } from './codecs.js';
import type { DecisionContext } from './decision-context.js';

/** b.2 #18: whether CAC runs at all (EnableBandwidthPolicyCheck), recorded in the trace. */
export function cacEnabled(ctx: DecisionContext, what: string): boolean {
  const cac = ctx.topo.scenario.networkConfiguration.enableBandwidthPolicyCheck;
  ctx.trace.add(
    'b.2#18',
    'CAC enabled (EnableBandwidthPolicyCheck)',
    cac ? 'pass' : 'info',
    cac ? `CAC checks ${what}` : 'CAC is off: admit without reservation',
    { enableBandwidthPolicyCheck: cac },
  );
  return cac;
}

/**
 * Takes a channel of a gateway with a channel limit for the call; false when every channel is
 * busy (the gateway then answers 503 before any media decision). A gateway without a limit
 * is not counted.
 */
export function takeGatewayChannel(ctx: DecisionContext, gw: Gateway): boolean {
  if (gw.channels === null) {
    return true;
  }
  const inUse = ctx.channelsInUse(gw.name);
  const free = inUse < gw.channels;
  ctx.trace.add(
    'sim.channels',
    'Gateway has a free channel',
    free ? 'pass' : 'fail',
    `${inUse} of ${gw.channels} channels in use on ${gw.name}`,
    {
      gateway: gw.name,
      inUse,
      channels: gw.channels,
    },
  );
  if (free) {
    ctx.holdChannel(gw.name);
  }
  return free;
}

/** The fields of a leg known before its links are checked. */
interface LegBase {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly fromSite: string | null;
  readonly toSite: string | null;
  readonly modality: Modality;
}

/**
 * The CAC check of one leg between two addresses (c.1-c.3), recorded in the context: the
 * first offered codec whose bandwidth fits every session limit on the path, and room for it
 * on every constrained link. An admitted leg claims its bandwidth; a refused one claims none.
 */
export function checkLeg(
  ctx: DecisionContext,
  name: string,
  fromHost: string,
  fromIp: string,
  toHost: string,
  toIp: string,
  candidates: readonly MediaCodec[],
  modality: Modality,
): LegCheck {
  const { topo, trace } = ctx;
  const sim = ctx.sim;
  const la = topo.locate(fromIp);
  const lb = topo.locate(toIp);
  const base: LegBase = {
    name,
    from: fromHost,
    to: toHost,
    fromSite: la?.site?.name ?? null,
    toSite: lb?.site?.name ?? null,
    modality,
  };
  const firstCodec = candidates[0] ?? null;
  const kbps0 = firstCodec ? ctx.codecs.kbps(modality, firstCodec) : 0;
  const rid = trace.enabled
    ? `leg ${name} ${fromHost}(${base.fromSite ?? '?'}) <-> ${toHost}(${base.toSite ?? '?'})`
    : '';

  if (!la?.site || !lb?.site) {
    const ip = !la?.site ? fromIp : toIp;
    const admit = sim.unmappedEndpoint === 'admit';
    trace.add(
      'c.1#2',
      'Locate endpoints',
      admit ? 'pass' : 'fail',
      `${rid}: ${ip} is in no mapped subnet (KHI 36034); A12: ${admit ? 'admit without reservation' : 'refuse'}`,
      {
        ip,
      },
    );
    return ctx.recordLeg(
      makeLeg(base, firstCodec, kbps0, [], admit ? 'unchecked' : 'refused', `${ip} unmapped`),
    );
  }
  const down = [la.region, lb.region].find(
    (r): r is Region => r?.bandwidthPolicyServiceDown === true,
  );
  if (down) {
    trace.add(
      'b.2#19',
      'Bandwidth Policy Service up',
      'info',
      `${rid}: the Bandwidth Policy Service of ${down.name} is down: CAC not enforced, admit`,
      { region: down.name },
    );
    return ctx.recordLeg(
      makeLeg(base, firstCodec, kbps0, [], 'unchecked', `BPS of ${down.name} down`),
    );
  }
  const path = topo.path(la.site, lb.site);
  if (!path.ok) {
    const admit = path.reason === 'no-route' && sim.missingRoute === 'admit';
    trace.add(
      'c.2#7',
      'Path between sites',
      admit ? 'pass' : 'fail',
      `${rid}: ${path.steps.join('; ')}`,
      { fromSite: la.site.name, toSite: lb.site.name },
    );
    const why = path.reason === 'no-route' ? 'no inter-region route' : 'site without region';
    return ctx.recordLeg(
      makeLeg(base, firstCodec, kbps0, [], admit ? 'unchecked' : 'refused', why),
    );
  }
  if (trace.enabled) {
    trace.add('c.2', 'Path between sites', 'info', `${rid}: ${path.steps.join('; ')}`, {
      fromSite: la.site.name,
      toSite: lb.site.name,
      links: path.links.length,
    });
  }
  return ctx.recordLeg(checkLinks(ctx, base, rid, path.links, candidates, kbps0));
}

/** c.3 #11-#14 on the links of a path: codec governor, room on every link, claim. */
function checkLinks(
  ctx: DecisionContext,
  base: LegBase,
  rid: string,
  links: readonly PathLink[],
  candidates: readonly MediaCodec[],
  kbps0: number,
): LegCheck {
  const { trace } = ctx;
  const { modality } = base;
  const firstCodec = candidates[0] ?? null;
  // c.3 #14: the highest-priority codec whose bandwidth fits every session limit.
  const constrained = links.filter((l) => limitsOf(ctx, l, modality).constrained);
  let codec: MediaCodec | null = null;
  let kbps = 0;
  for (const c of candidates) {
    const bw = ctx.codecs.kbps(modality, c);
    if (constrained.every((l) => fitsSession(limitsOf(ctx, l, modality).session, bw))) {
      codec = c;
      kbps = bw;
      break;
    }
  }
  if (codec === null) {
    const first = constrained.find((l) => !fitsSession(limitsOf(ctx, l, modality).session, kbps0));
    const lim = first ? limitsOf(ctx, first, modality) : null;
    trace.add(
      'c.3#14',
      'A codec fits the session limit',
      'fail',
      `${rid}: no offered codec (${candidates.join(', ')}) fits the ${modality} session limit ${lim?.session ?? '?'} kbps of ${first?.id ?? '?'}`,
      {
        link: first?.id ?? null,
        sessionLimit: lim?.session ?? null,
      },
    );
    const checks = constrained.map((l) => linkCheck(ctx, l, modality, kbps0));
    return makeLeg(
      base,
      firstCodec,
      kbps0,
      checks,
      'refused',
      `session limit on ${first?.id ?? '?'}`,
    );
  }
  if (codec !== firstCodec && trace.enabled) {
    const over = constrained.find((l) => !fitsSession(limitsOf(ctx, l, modality).session, kbps0));
    const session = over ? limitsOf(ctx, over, modality).session : null;
    trace.add(
      'c.3#14',
      'Session limit as codec governor',
      'info',
      `${rid}: ${firstCodec ?? '?'} (${round(kbps0)} kbps) exceeds the ${modality} session limit ${session ?? '?'} kbps of ${over?.id ?? '?'}; ${codec} (${round(kbps)} kbps), the highest-priority codec that fits every link, is used`,
      { preferred: firstCodec, codec, kbps: round(kbps), link: over?.id ?? null },
    );
  }
  const checks = constrained.map((l) => linkCheck(ctx, l, modality, kbps));
  for (const lc of trace.enabled ? checks : []) {
    trace.add(
      'c.3#11',
      'Link has room',
      lc.ok ? 'pass' : 'fail',
      `${rid}: ${lc.link} ${modality} used ${round(lc.usedKbps)} + ${round(kbps)} ${lc.ok ? '<=' : '>'} ${lc.limitKbps ?? 'unlimited'} kbps (session ${round(kbps)} <= ${lc.sessionLimitKbps ?? 'unlimited'})`,
      {
        link: lc.link,
        used: round(lc.usedKbps),
        request: round(kbps),
        limit: lc.limitKbps,
        sessionLimit: lc.sessionLimitKbps,
      },
    );
  }
  const refusedAt = checks.find((c) => !c.ok);
  if (refusedAt) {
    const why = `${refusedAt.link} full (${round(refusedAt.usedKbps)} of ${refusedAt.limitKbps} kbps used)`;
    return makeLeg(base, codec, kbps, checks, 'refused', why);
  }
  for (const l of constrained) {
    ctx.claim(l.id, modality, kbps, codec);
  }
  if (!trace.enabled) {
    // Nothing to record.
  } else if (constrained.length === 0) {
    trace.add('c.3#12', 'Admit', 'pass', `${rid}: no constrained link on the path`, {});
  } else {
    trace.add(
      'c.3#12',
      'Admit and reserve',
      'pass',
      `${rid}: reserve ${round(kbps)} kbps ${modality} on ${constrained.map((l) => l.id).join(', ')}`,
      { kbps: round(kbps) },
    );
  }
  const why = constrained.length ? 'fits' : 'unconstrained path';
  return makeLeg(base, codec, kbps, checks, 'admitted', why);
}

/**
 * b.2 #21: leg B of an outbound call to a PBX without a media termination point is accounted,
 * not checked: its bandwidth is claimed on the constrained links of its path whatever they
 * hold.
 */
export function accountWithoutCheck(
  ctx: DecisionContext,
  name: string,
  fromHost: string,
  fromIp: string,
  toHost: string,
  toIp: string,
  candidates: readonly MediaCodec[],
): LegCheck {
  const { topo } = ctx;
  const la = topo.locate(fromIp);
  const lb = topo.locate(toIp);
  const codec = candidates[0] ?? 'PCMU';
  const kbps = ctx.codecs.kbps('audio', codec);
  const path = la?.site && lb?.site ? topo.path(la.site, lb.site) : null;
  const links = path?.ok ? path.links.filter((l) => limitsOf(ctx, l, 'audio').constrained) : [];
  for (const l of links) {
    ctx.claim(l.id, 'audio', kbps, codec);
  }
  return ctx.recordLeg({
    name,
    from: fromHost,
    to: toHost,
    fromSite: la?.site?.name ?? null,
    toSite: lb?.site?.name ?? null,
    modality: 'audio',
    codec,
    kbps,
    links: [],
    verdict: 'unchecked',
    why: 'accounted after establishment (PBX without MTP)',
  });
}

/** A link's limits for one modality, with A9 (what 0 means) applied. */
interface Limits {
  readonly constrained: boolean;
  readonly total: number | null;
  readonly session: number | null;
}

/** Limits per link object; links belong to one topology, so the A9 setting is fixed per key. */
const limitsCache = new WeakMap<PathLink, { audio: Limits; video: Limits }>();

/** A link's limits for a modality, with A9 (what 0 means) applied. */
function limitsOf(ctx: DecisionContext, link: PathLink, modality: Modality): Limits {
  let cached = limitsCache.get(link);
  if (!cached) {
    cached = { audio: computeLimits(ctx, link, 'audio'), video: computeLimits(ctx, link, 'video') };
    limitsCache.set(link, cached);
  }
  return cached[modality];
}

function computeLimits(ctx: DecisionContext, link: PathLink, modality: Modality): Limits {
  const l = link.profile?.[modality];
  if (!l || (l.limit === null && l.sessionLimit === null)) {
    return { constrained: false, total: null, session: null };
  }
  const zeroIsUnlimited = ctx.sim.zeroBandwidthLimit === 'unlimited';
  const total = l.limit === 0 && zeroIsUnlimited ? null : l.limit;
  const session = l.sessionLimit === 0 && zeroIsUnlimited ? null : l.sessionLimit;
  return { constrained: total !== null || session !== null, total, session };
}

/** Builds a LegCheck with one fixed shape (object spread is slow on this path). */
function makeLeg(
  base: LegBase,
  codec: MediaCodec | null,
  kbps: number,
  links: readonly LinkCheck[],
  verdict: LegCheck['verdict'],
  why: string,
): LegCheck {
  return {
    name: base.name,
    from: base.from,
    to: base.to,
    fromSite: base.fromSite,
    toSite: base.toSite,
    modality: base.modality,
    codec,
    kbps,
    links,
    verdict,
    why,
  };
}

function fitsSession(session: number | null, kbps: number): boolean {
  return session === null || kbps <= session + 1e-9;
}

/** c.3 #11 on one link: the session limit, and room for `kbps` beside what is in use. */
function linkCheck(
  ctx: DecisionContext,
  link: PathLink,
  modality: Modality,
  kbps: number,
): LinkCheck {
  const lim = limitsOf(ctx, link, modality);
  const used = ctx.used(link.id, modality);
  const ok =
    fitsSession(lim.session, kbps) && (lim.total === null || used + kbps <= lim.total + 1e-9);
  return {
    link: link.id,
    modality,
    usedKbps: used,
    requestKbps: kbps,
    limitKbps: lim.total,
    sessionLimitKbps: lim.session,
    ok,
  };
}

/** One leg in a line: `alice<->ms-chi RTAudio-NB 44.8 kbps on site:Portland`. */
export function describeLeg(l: LegCheck): string {
  if (l.verdict === 'unchecked') {
    return `${l.from}<->${l.to} unchecked (${l.why})`;
  }
  return `${l.from}<->${l.to} ${l.codec ?? ''} ${round(l.kbps)} kbps${l.links.length ? ` on ${l.links.map((x) => x.link).join(', ')}` : ' (LAN)'}`;
}

/** Kbps rounded to one decimal, as the trace shows them. */
export function round(n: number): number {
  return Math.round(n * 10) / 10;
}
