/**
 * The Internet alternate path of a refused call (docs/rules.md c.5#18): media through A/V Edge
 * relays instead of the WAN. The regions whose flag must allow it (A14), the Edge nearest to
 * each side (asked of the topology), and the CAC checks of the sub-paths site <-> relay site
 * (asked of `cac.ts`). It must not know where in the refusal chain it is used, nor anything
 * of bypass.
 */
import type { CodecName, Modality, Region } from '../scenario/index.js';
import { nearestEdge } from '../topology/index.js';
import type { LegCheck } from './call-decision.js';
import { checkLeg } from './cac.js';
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
  codecs: readonly CodecName[],
  modalities: readonly Modality[],
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
  const ipA = clientSideIp(ctx, fromHost);
  const ipB = clientSideIp(ctx, toHost);
  for (const m of modalities) {
    const sub1 = checkLeg(ctx, `alt-${m}-1`, fromHost, ipA, edgeA.name, edgeA.ip, codecs, m);
    const sub2 =
      sub1.verdict === 'refused'
        ? sub1
        : checkLeg(ctx, `alt-${m}-2`, toHost, ipB, edgeB.name, edgeB.ip, codecs, m);
    if (sub1.verdict === 'refused' || sub2.verdict === 'refused') {
      const bad = sub1.verdict === 'refused' ? sub1 : sub2;
      trace.add(
        'c.5#18',
        'Internet alternate path',
        'fail',
        `sub-path ${bad.from} <-> ${bad.to} refused (${bad.why})`,
        {},
      );
      return null;
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
