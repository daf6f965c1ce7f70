/**
 * The Internet alternate path of a refused call (docs/rules.md c.5#18): media through A/V Edge
 * relays instead of the WAN. The regions whose flag must allow it (A14), the Edge nearest to
 * each side (asked of the topology), and the sub-paths site <-> relay site: checked by CAC
 * (asked of `cac.ts`) when the site reaches the Edge over the WAN, not checked when it reaches
 * it over its own Internet breakout (A16). It must not know where in the refusal chain it is
 * used, nor anything of bypass.
 */
import type { Edge, Modality, Region } from '../scenario/index.js';
import { nearestEdge } from '../topology/index.js';
import type { LegCheck } from './call-decision.js';
import { checkLeg } from './cac.js';
import type { MediaCodec } from './codecs.js';
import type { DecisionContext } from './decision-context.js';

/**
 * c.5 #18 for a refused leg between two hosts: the Edges the media goes through instead of
 * the WAN (one, or one per side), or null when the regions' flags (A14), the Edges or the
 * sub-path checks do not allow it; recorded in the trace. Admitted sub-paths claim their
 * bandwidth.
 */
export function internetPath(
  ctx: DecisionContext,
  leg: LegCheck,
  fromHost: string,
  toHost: string,
  codecs: readonly MediaCodec[],
  modalities: readonly Modality[],
  videoCodecs: readonly MediaCodec[] = [],
): string[] | null {
  const { topo, trace } = ctx;
  const mode = ctx.sim.alternatePathRegions;
  const regionNames =
    mode === 'caller-region'
      ? [topo.site(leg.fromSite)?.region ?? null]
      : mode === 'callee-region'
        ? [topo.site(leg.toSite)?.region ?? null]
        : refusingRegions(ctx, leg);
  const regions = regionNames
    .map((n) => topo.region(n))
    .filter((x): x is Region => x !== undefined);
  const flag = (r: Region): boolean =>
    modalities.every((m) => (m === 'audio' ? r.audioAlternatePath : r.videoAlternatePath));
  const blocked = regions.find((r) => !flag(r));
  if (blocked || regions.length === 0) {
    trace.add(
      'c.5#18',
      'Internet alternate path',
      'fail',
      blocked
        ? `region ${blocked.name} does not allow the alternate path (A14: ${mode})`
        : 'no region to allow it',
      {
        region: blocked?.name ?? null,
      },
    );
    return null;
  }
  if (topo.edges.length === 0) {
    trace.add('c.5#18', 'Internet alternate path', 'fail', 'no A/V Edge in the scenario', {});
    return null;
  }
  const edgeA = nearestEdge(topo, topo.site(leg.fromSite) ?? null);
  const edgeB = nearestEdge(topo, topo.site(leg.toSite) ?? null);
  if (!edgeA || !edgeB) {
    trace.add('c.5#18', 'Internet alternate path', 'fail', 'no A/V Edge to relay', {});
    return null;
  }
  const sides: readonly [SubPath, SubPath] = [
    { n: 1, host: fromHost, ip: clientSideIp(ctx, fromHost), site: leg.fromSite, edge: edgeA },
    { n: 2, host: toHost, ip: clientSideIp(ctx, toHost), site: leg.toSite, edge: edgeB },
  ];
  const overWan = [checkedOverWan(ctx, sides[0]), checkedOverWan(ctx, sides[1])] as const;
  for (const m of modalities) {
    if (trace.enabled) {
      trace.add(
        'A16',
        'How a site reaches the A/V Edge',
        overWan[0] || overWan[1] ? 'info' : 'pass',
        `${m} sub-paths: ${describeSubPath(ctx, sides[0], overWan[0])}; ${describeSubPath(ctx, sides[1], overWan[1])}`,
        { localChecked: overWan[0], remoteChecked: overWan[1] },
      );
    }
    for (const side of sides) {
      if (!overWan[side.n - 1]) {
        continue;
      }
      const sub = subPath(ctx, side, m === 'video' && videoCodecs.length ? videoCodecs : codecs, m);
      if (sub.verdict === 'refused') {
        trace.add(
          'c.5#18',
          'Internet alternate path',
          'fail',
          `sub-path ${sub.from} <-> ${sub.to} refused (${sub.why})`,
          {},
        );
        return null;
      }
    }
  }
  const edges = edgeA.name === edgeB.name ? [edgeA.name] : [edgeA.name, edgeB.name];
  trace.add(
    'c.5#18',
    'Internet alternate path',
    'pass',
    `through ${edges.join(' and ')}; not recorded as a re-route`,
    { edges: edges.join(',') },
  );
  return edges;
}

/** One side of the alternate path: a host's site and the relay (Edge) it uses. */
interface SubPath {
  readonly n: 1 | 2;
  readonly host: string;
  readonly ip: string;
  readonly site: string | null;
  readonly edge: Edge;
}

/**
 * Whether the sub-path between a side's site and its relay's site (c.5 #18) is checked by CAC:
 * yes when the site reaches the Edge over the WAN, or is the Edge's own site (the LAN); no
 * when it reaches it over its own Internet breakout (A16), so the WAN is not on it.
 */
function checkedOverWan(ctx: DecisionContext, side: SubPath): boolean {
  const reach = ctx.topo.site(side.site)?.edgeReach ?? 'internet-breakout';
  return reach === 'via-wan' || side.site === edgeSiteOf(ctx, side);
}

function edgeSiteOf(ctx: DecisionContext, side: SubPath): string | null {
  return ctx.topo.siteOfHost(side.edge)?.name ?? null;
}

/** One side of the alternate path in words, for the trace. */
function describeSubPath(ctx: DecisionContext, side: SubPath, checked: boolean): string {
  const edgeSite = edgeSiteOf(ctx, side);
  const where = `${side.n === 1 ? 'local' : 'remote'} site ${side.site ?? '?'} <-> relay site ${edgeSite ?? '?'} (${side.edge.name})`;
  if (!checked) {
    return `${where} not checked, ${side.site ?? 'the site'} reaches the Edge over its own Internet breakout (no WAN link on it)`;
  }
  return side.site === edgeSite
    ? `${where} checked, the Edge is in the same site`
    : `${where} checked, ${side.site ?? 'the site'} reaches the Edge over the WAN`;
}

/** The CAC check of one side's sub-path; an admitted one claims its bandwidth. */
function subPath(
  ctx: DecisionContext,
  side: SubPath,
  codecs: readonly MediaCodec[],
  m: Modality,
): LegCheck {
  return checkLeg(
    ctx,
    `alt-${m}-${side.n}`,
    side.host,
    side.ip,
    side.edge.name,
    side.edge.ip,
    codecs,
    m,
  );
}

/** The address a host's media uses towards the clients' side (the MS's client interface). */
function clientSideIp(ctx: DecisionContext, name: string): string {
  const h = ctx.topo.host(name);
  if (!h) {
    return '0.0.0.0';
  }
  switch (h.kind) {
    case 'mediation-server':
      return h.clientIp;
    case 'pstn-gateway':
    case 'ip-pbx':
    case 'sbc':
      return h.mediaIp;
    default:
      return h.ip;
  }
}

/** Regions whose links refused the leg, for A14. */
function refusingRegions(ctx: DecisionContext, leg: LegCheck): string[] {
  const { topo } = ctx;
  const out = new Set<string>();
  for (const l of leg.links) {
    if (l.ok) {
      continue;
    }
    const colon = l.link.indexOf(':');
    const kind = l.link.slice(0, colon);
    const name = l.link.slice(colon + 1);
    if (kind === 'site') {
      const r = topo.site(name)?.region;
      if (r) {
        out.add(r);
      }
    } else if (kind === 'region-link') {
      const link = topo.scenario.network.regionLinks.find((x) => x.name === name);
      link?.regions.forEach((r) => out.add(r));
    } else {
      const p = topo.scenario.network.interSitePolicies.find((x) => x.name === name);
      p?.sites.forEach((s) => {
        const r = topo.site(s)?.region;
        if (r) {
          out.add(r);
        }
      });
    }
  }
  if (out.size === 0) {
    for (const s of [leg.fromSite, leg.toSite]) {
      const r = topo.site(s)?.region;
      if (r) {
        out.add(r);
      }
    }
  }
  return [...out];
}
