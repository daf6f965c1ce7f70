/**
 * Lays the scenario's network out for the HTML report with ELK (elkjs, the Eclipse Layout
 * Kernel's layered algorithm): regions contain sites, sites contain hosts, WAN links join
 * sites; the PSTN stands beside them. Returns absolute boxes and edge routes, nothing drawn. Knows
 * nothing of calls, SVG or the page.
 */
import elk from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';

/**
 * The bundled ELK is a CommonJS module whose exports are the constructor, with the same
 * constructor again as `default`, which is what its type declarations describe.
 */
const ELK = elk.default;
import type { TopologyView, ViewHost, ViewLink } from '../topology-view.js';

/** A box of the picture, in absolute coordinates. */
export interface LaidOutBox {
  readonly id: string;
  /** `region`, `site` and `group` boxes contain others; hosts are leaves. */
  readonly kind: 'region' | 'site' | 'group' | 'host';
  readonly label: string;
  /** Second line: subnets of a site, IPs of a host. */
  readonly sub: string;
  readonly host: ViewHost | null;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A drawn WAN link. */
export interface LaidOutEdge {
  readonly id: string;
  readonly kind: 'link';
  readonly link: ViewLink | null;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly label: { readonly text: string; readonly x: number; readonly y: number } | null;
}

export interface LaidOutTopology {
  readonly width: number;
  readonly height: number;
  readonly boxes: readonly LaidOutBox[];
  readonly edges: readonly LaidOutEdge[];
}

/** Host box size; wide enough for a name and two IPv4 addresses in the page's font. */
export const HOST_WIDTH = 150;
export const HOST_HEIGHT = 50;
const CHAR = 6.4;
const PAD = '[top=34,left=14,bottom=14,right=14]';

const INTERNET = 'group:internet';

/** Lays out the network; deterministic for a given view. */
export async function layoutTopology(view: TopologyView): Promise<LaidOutTopology> {
  const g = new GraphBuilder(view);
  const laid = await new ELK().layout(g.graph());
  const boxes: LaidOutBox[] = [];
  const edges: LaidOutEdge[] = [];
  const walk = (n: ElkNode): void => {
    const m = g.boxes.get(n.id);
    if (m) {
      boxes.push({ ...m, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 });
    }
    for (const e of n.edges ?? []) {
      edges.push(laidEdge(e, g.links.get(e.id) ?? null));
    }
    for (const c of n.children ?? []) {
      walk(c);
    }
  };
  walk(laid);
  return { width: laid.width ?? 0, height: laid.height ?? 0, boxes, edges };
}

/**
 * The ELK graph of a network: hosts of a site in rows; sites of a region with the central site
 * first and each branch below it (its uplink drawn from the central site); regions side by
 * side, joined by their region links; hosts in no site and the PSTN beside them. Remembers
 * what each node and edge stands for.
 */
class GraphBuilder {
  readonly boxes = new Map<string, Omit<LaidOutBox, 'x' | 'y' | 'width' | 'height'>>();
  readonly links = new Map<string, ViewLink>();
  readonly #view: TopologyView;
  readonly #siteRegion: ReadonlyMap<string, string | null>;

  constructor(view: TopologyView) {
    this.#view = view;
    this.#siteRegion = new Map(view.sites.map((s) => [s.name, s.region] as const));
  }

  graph(): ElkNode {
    const view = this.#view;
    const root: ElkNode[] = view.regions.map((r) => this.#regionNode(r));
    for (const s of view.sites.filter((x) => x.region === null)) {
      root.push(this.#siteNode(s));
    }
    const outside = view.hosts.filter((h) => h.kind !== 'pstn' && h.site === null);
    if (outside.length > 0) {
      const hosts = outside.map((h) => this.#hostNode(h));
      root.push(this.#group(INTERNET, 'group', 'Internet / no site', '', hosts, [], HOST_PACKING));
    }
    const pstn = view.hosts.find((h) => h.kind === 'pstn');
    if (pstn) {
      root.push(this.#hostNode(pstn));
    }
    return {
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.json.edgeCoords': 'ROOT',
        'elk.json.shapeCoords': 'ROOT',
        ...SPACING,
      },
      children: root,
      edges: this.#crossRegionEdges(),
    };
  }

  #regionNode(r: TopologyView['regions'][number]): ElkNode {
    const edges: ElkExtendedEdge[] = [];
    for (const l of this.#view.links) {
      const [a, b] = l.ends;
      const inside = this.#siteRegion.get(a) === r.name && this.#siteRegion.get(b) === r.name;
      if (l.kind === 'region-link' || a === b || !inside) {
        continue;
      }
      // An uplink runs from the region's central site down to the branch.
      edges.push(
        l.kind === 'site-uplink'
          ? this.#linkEdge(l, siteId(b), siteId(a), false)
          : this.#linkEdge(l, siteId(a), siteId(b), true),
      );
    }
    const sites = this.#view.sites.filter((s) => s.region === r.name).map((s) => this.#siteNode(s));
    return this.#group(
      regionId(r.name),
      'region',
      `region ${r.name}`,
      centralText(r.centralSite),
      sites,
      edges,
      { 'elk.algorithm': 'layered', 'elk.direction': 'DOWN', ...SPACING },
    );
  }

  #siteNode(s: TopologyView['sites'][number]): ElkNode {
    const profile = this.#view.links.find((l) => l.kind === 'site-uplink' && l.name === s.name);
    const sub = [s.subnets.join(' '), profile ? `uplink ${limitsText(profile)}` : '']
      .filter((x) => x !== '')
      .join(' · ');
    const hosts = this.#view.hosts
      .filter((h) => h.kind !== 'pstn' && h.site === s.name)
      .map((h) => this.#hostNode(h));
    return this.#group(siteId(s.name), 'site', s.name, sub, hosts, [], HOST_PACKING);
  }

  /** Region links, and inter-site policies between sites of different regions. */
  #crossRegionEdges(): ElkExtendedEdge[] {
    const regionOf = (end: string): string =>
      end.startsWith('region:') ? end : regionId(this.#siteRegion.get(end) ?? '');
    const out: ElkExtendedEdge[] = [];
    for (const l of this.#view.links) {
      const crosses =
        l.kind === 'region-link' ||
        (l.kind === 'inter-site' &&
          this.#siteRegion.get(l.ends[0]) !== this.#siteRegion.get(l.ends[1]));
      const a = regionOf(l.ends[0]);
      const b = regionOf(l.ends[1]);
      if (crosses && a !== b && this.boxes.has(a) && this.boxes.has(b)) {
        out.push(this.#linkEdge(l, a, b, true));
      }
    }
    return out;
  }

  #hostNode(h: ViewHost): ElkNode {
    const id = nodeId(h.name);
    this.boxes.set(id, { id, kind: 'host', label: h.name, sub: ipsText(h.ips), host: h });
    return { id, width: HOST_WIDTH, height: HOST_HEIGHT };
  }

  #group(
    id: string,
    kind: 'region' | 'site' | 'group',
    label: string,
    sub: string,
    children: ElkNode[],
    edges: ElkExtendedEdge[],
    options: Record<string, string>,
  ): ElkNode {
    this.boxes.set(id, { id, kind, label, sub, host: null });
    const minWidth = Math.max(label.length, sub.length) * CHAR + 28;
    return {
      id,
      children,
      edges,
      layoutOptions: {
        'elk.padding': PAD,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${Math.ceil(minWidth)}, 60)`,
        ...options,
      },
    };
  }

  #linkEdge(l: ViewLink, a: string, b: string, labelled: boolean): ElkExtendedEdge {
    const id = `edge:${l.id}`;
    this.links.set(id, l);
    const text = linkLabel(l);
    return {
      id,
      sources: [a],
      targets: [b],
      ...(labelled ? { labels: [{ text, width: text.length * CHAR, height: 14 }] } : {}),
    };
  }
}

const SPACING: Record<string, string> = {
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '40',
  'elk.spacing.edgeLabel': '4',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.randomSeed': '1',
};

/** Hosts of a site: packed in rows, about twice as wide as high. */
const HOST_PACKING: Record<string, string> = {
  'elk.algorithm': 'rectpacking',
  'elk.aspectRatio': '2.4',
  'elk.spacing.nodeNode': '10',
};

function laidEdge(e: ElkExtendedEdge, link: ViewLink | null): LaidOutEdge {
  const points = (e.sections ?? []).flatMap((x) => [
    x.startPoint,
    ...(x.bendPoints ?? []),
    x.endPoint,
  ]);
  const label = e.labels?.[0];
  return {
    id: e.id,
    kind: 'link',
    link,
    points: points.map((p) => ({ x: p.x, y: p.y })),
    label:
      label?.text !== undefined
        ? { text: label.text, x: label.x ?? 0, y: (label.y ?? 0) + (label.height ?? 0) - 3 }
        : null,
  };
}

/** A host's IPs, the second one shortened where it shares the first's prefix. */
function ipsText(ips: readonly string[]): string {
  const [first, ...rest] = ips;
  if (first === undefined) {
    return '';
  }
  const prefix = first.slice(0, first.lastIndexOf('.') + 1);
  return [
    first,
    ...rest.map((ip) => (ip.startsWith(prefix) ? ip.slice(prefix.length - 1) : ip)),
  ].join(', ');
}

/** The id of a host's box (also used by the page to find where a host is). */
export function nodeId(host: string): string {
  return `host:${host}`;
}

function siteId(site: string): string {
  return `site:${site}`;
}

function regionId(region: string): string {
  return `region:${region}`;
}

function centralText(site: string | null): string {
  return site ? `central site ${site}` : 'no central site';
}

/** `NA-EMEA-LINK: audio 20000/175 video 14000/700 kbps`, or `...: unlimited`. */
export function linkLabel(l: ViewLink): string {
  return `${l.name}: ${limitsText(l)}`;
}

/** `audio 4000/175 video 2800/700 kbps` (total/per session), or `unlimited`. */
export function limitsText(l: ViewLink): string {
  const part = (name: string, x: ViewLink['audio']): string | null =>
    x.limit === null && x.sessionLimit === null
      ? null
      : `${name} ${x.limit ?? '-'}/${x.sessionLimit ?? '-'}`;
  const parts = [part('audio', l.audio), part('video', l.video)].filter(
    (p): p is string => p !== null,
  );
  return parts.length ? `${parts.join(' ')} kbps` : 'unlimited';
}
