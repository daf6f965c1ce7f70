/**
 * Which A/V Edge serves a site: the Edge an external client's media goes through, and the
 * relay a site uses on the Internet alternate path (docs/rules.md c.5#18). Pure lookups over a
 * {@link Topology}; this file knows nothing of calls, decisions, CAC or the ledger.
 */
import type { Edge, Site } from '../scenario/index.js';
import type { Topology } from './topology.js';

/**
 * The Edge nearest to a site: one in the same site, else one in the same region, else the
 * first Edge of the scenario. Null when the scenario has no Edge. Without a site (an
 * address in no mapped subnet) it is the first Edge.
 */
export function nearestEdge(topo: Topology, site: Site | null | undefined): Edge | null {
  const edges = topo.edges;
  if (edges.length === 0) {
    return null;
  }
  if (!site) {
    return edges[0] ?? null;
  }
  let bySite = NEAREST.get(topo);
  if (!bySite) {
    bySite = new Map();
    NEAREST.set(topo, bySite);
  }
  let edge = bySite.get(site);
  if (edge === undefined) {
    const same = edges.find((e) => topo.siteOfHost(e)?.name === site.name);
    const region = edges.find((e) => topo.siteOfHost(e)?.region === site.region);
    edge = same ?? region ?? edges[0] ?? null;
    bySite.set(site, edge);
  }
  return edge;
}

/** The answers per topology and site: they depend on nothing else. */
const NEAREST = new WeakMap<Topology, Map<Site, Edge | null>>();
