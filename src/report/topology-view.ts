/**
 * The scenario's network as the report shows it: regions, sites with their subnets, the
 * constrained links with their limits, and every host with its site, scenario IPs and (in a
 * live run) the addresses that carried its packets. Written into the JSON result so that every
 * view (the HTML page included) is drawn from the result alone. Pure: it reads the topology and
 * knows nothing of sockets, SIP or the layout of a page.
 */
import type { BandwidthLimits, Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';

/** The limits of one modality on a link, kbps one direction; null: no limit. */
export interface ViewLimits {
  readonly limit: number | null;
  readonly sessionLimit: number | null;
}

/** A constrained (or unconstrained) WAN link as the policy engine names it. */
export interface ViewLink {
  /** The ledger's id: `site:Portland`, `region-link:NA-EMEA`, `inter-site:Reno_Abq`. */
  readonly id: string;
  readonly kind: 'site-uplink' | 'region-link' | 'inter-site';
  readonly name: string;
  /** What the link joins: a site and its region's central site, two regions' central sites, or two sites. */
  readonly ends: readonly [string, string];
  readonly profile: string | null;
  readonly audio: ViewLimits;
  readonly video: ViewLimits;
}

export type ViewHostKind =
  | 'client'
  | 'mediation-server'
  | 'pstn-gateway'
  | 'ip-pbx'
  | 'sbc'
  | 'edge'
  | 'voicemail'
  | 'pstn'
  | 'media-processor'
  | 'transport-relay';

/** A host of the run. */
export interface ViewHost {
  readonly name: string;
  readonly kind: ViewHostKind;
  readonly site: string | null;
  /** The scenario's own IPs (a Mediation Server has two). */
  readonly ips: readonly string[];
  /** The addresses its sockets used in the run (loopback mode: 127.x), when there was a run. */
  readonly addresses: readonly string[];
  /** An external client signs in through the Edge. */
  readonly external: boolean;
}

/** The network of a scenario, for the report. */
export interface TopologyView {
  readonly regions: readonly {
    readonly name: string;
    readonly centralSite: string | null;
  }[];
  readonly sites: readonly {
    readonly name: string;
    readonly region: string | null;
    readonly profile: string | null;
    readonly subnets: readonly string[];
  }[];
  readonly links: readonly ViewLink[];
  readonly hosts: readonly ViewHost[];
}

/** An address a host used in a run, as the run reports it. */
export interface RunAddress {
  readonly host: string;
  readonly address: string;
}

/** The pseudo-host that stands for the public telephone network in re-routed calls. */
const PSTN_VIEW: Omit<ViewHost, 'addresses'> = {
  name: 'pstn',
  kind: 'pstn',
  site: null,
  ips: [],
  external: false,
};

/** Builds the view of a scenario's network, with the run's addresses when there was a run. */
export function topologyView(topo: Topology, addresses: readonly RunAddress[] = []): TopologyView {
  const s = topo.scenario;
  const net = s.network;
  const used = new Map<string, string[]>();
  for (const a of addresses) {
    const list = used.get(a.host) ?? [];
    if (!list.includes(a.address)) {
      list.push(a.address);
    }
    used.set(a.host, list);
  }
  const limits = (profile: string | null): { audio: ViewLimits; video: ViewLimits } => {
    const p = topo.profile(profile);
    return { audio: copyLimits(p?.audio), video: copyLimits(p?.video) };
  };
  const central = (region: string): string =>
    topo.region(region)?.centralSite ?? `region:${region}`;
  const links: ViewLink[] = [];
  for (const site of net.sites) {
    if (site.bwPolicyProfile !== null && site.region !== null) {
      links.push({
        id: `site:${site.name}`,
        kind: 'site-uplink',
        name: site.name,
        ends: [site.name, central(site.region)],
        profile: site.bwPolicyProfile,
        ...limits(site.bwPolicyProfile),
      });
    }
  }
  for (const l of net.regionLinks) {
    links.push({
      id: `region-link:${l.name}`,
      kind: 'region-link',
      name: l.name,
      ends: [central(l.regions[0]), central(l.regions[1])],
      profile: l.bwPolicyProfile,
      ...limits(l.bwPolicyProfile),
    });
  }
  for (const p of net.interSitePolicies) {
    links.push({
      id: `inter-site:${p.name}`,
      kind: 'inter-site',
      name: p.name,
      ends: [p.sites[0], p.sites[1]],
      profile: p.bwPolicyProfile,
      ...limits(p.bwPolicyProfile),
    });
  }
  return {
    regions: net.regions.map((r) => ({ name: r.name, centralSite: r.centralSite })),
    sites: net.sites.map((site) => ({
      name: site.name,
      region: site.region,
      profile: site.bwPolicyProfile,
      subnets: net.subnets
        .filter((n) => n.site === site.name)
        .map((n) => `${n.subnet}/${n.maskBits}`),
    })),
    links,
    hosts: [...scenarioHosts(s, topo), PSTN_VIEW].map((h) => ({
      ...h,
      addresses: used.get(h.name) ?? [],
    })),
  };
}

function copyLimits(l: BandwidthLimits | undefined): ViewLimits {
  return { limit: l?.limit ?? null, sessionLimit: l?.sessionLimit ?? null };
}

function scenarioHosts(s: Scenario, topo: Topology): Omit<ViewHost, 'addresses'>[] {
  const siteOf = (h: Parameters<Topology['siteOfHost']>[0]): string | null =>
    topo.siteOfHost(h)?.name ?? null;
  return [
    ...s.hosts.mediationServers.map((m) => ({
      name: m.name,
      kind: m.kind,
      site: siteOf(m),
      ips: m.clientIp === m.gatewayIp ? [m.clientIp] : [m.clientIp, m.gatewayIp],
      external: false,
    })),
    ...s.hosts.gateways.map((g) => ({
      name: g.name,
      kind: g.kind,
      site: siteOf(g),
      ips: g.ip === g.mediaIp ? [g.ip] : [g.ip, g.mediaIp],
      external: false,
    })),
    ...s.hosts.clients.map((c) => ({
      name: c.name,
      kind: c.kind,
      site: c.location === 'external' ? null : siteOf(c),
      ips: [c.ip],
      external: c.location === 'external',
    })),
    ...s.hosts.edges.map((e) => ({
      name: e.name,
      kind: e.kind,
      site: siteOf(e),
      ips: [e.ip],
      external: false,
    })),
    ...s.hosts.voicemail.map((v) => ({
      name: v.name,
      kind: v.kind,
      site: siteOf(v),
      ips: [v.ip],
      external: false,
    })),
    // The Teams cloud relays (g.2), outside every site.
    ...[...s.teamsDirectRouting.mediaProcessors, ...s.teamsDirectRouting.transportRelays].map(
      (r) => ({ name: r.name, kind: r.kind, site: null, ips: [r.ip], external: true }),
    ),
  ];
}
