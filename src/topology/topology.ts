/**
 * The network of a scenario as pure lookups: subnets (exact and longest prefix), sites,
 * regions, hosts, the sites' bypass IDs (docs/rules.md b.4) and the paths between sites (c.2).
 * Built once per scenario and cached where it pays. It must not know of calls, decisions,
 * rule traces or the bandwidth ledger: the policy layer asks, this file answers.
 */
import { createHash } from 'node:crypto';
import { maskOf, parseIpv4 } from '../core/index.js';
import type {
  BwPolicyProfile,
  Client,
  Edge,
  Gateway,
  Host,
  MediationServer,
  Region,
  Scenario,
  Site,
  Subnet,
  TeamsRelay,
  TeamsSbc,
  User,
  VoicemailHost,
} from '../scenario/index.js';

/** Where an address is: its configured subnet, that subnet's site (if mapped) and region. */
export interface Location {
  readonly subnet: Subnet;
  readonly site: Site | null;
  readonly region: Region | null;
}

/** A bypass ID together with where it came from, for the decision trace. */
export interface BypassId {
  readonly id: string;
  /** For example `region NorthAmerica (auto)`, `site Portland (auto)`, `global (AlwaysBypass)`. */
  readonly source: string;
}

/** A constrained (or unconstrained) link on the path between two sites. */
export interface PathLink {
  /** Stable id used by the ledger: `site:Portland`, `region-link:NA-EMEA-LINK`, `inter-site:Reno_Albuquerque`. */
  readonly id: string;
  readonly kind: 'site-uplink' | 'region-link' | 'inter-site';
  readonly name: string;
  readonly profile: BwPolicyProfile | null;
}

/** The path between two sites (docs/rules.md c.2), or why there is none. */
export type SitePath =
  | { readonly ok: true; readonly links: readonly PathLink[]; readonly steps: readonly string[] }
  | {
      readonly ok: false;
      readonly reason: 'no-route' | 'no-region';
      readonly steps: readonly string[];
    };

/**
 * The network of a scenario as pure lookups: subnets (exact and longest-prefix), sites,
 * regions, bypass IDs (docs/rules.md b.4) and paths between sites (c.2). Built once per
 * scenario; every query is allocation-light and side-effect free.
 */
export class Topology {
  readonly scenario: Scenario;
  readonly #sites = new Map<string, Site>();
  readonly #regions = new Map<string, Region>();
  readonly #profiles = new Map<string, BwPolicyProfile>();
  readonly #hosts = new Map<string, Host>();
  /** Per prefix length (descending), network address -> subnet. */
  readonly #byLength: { bits: number; mask: number; nets: Map<number, Subnet> }[] = [];
  readonly #routes = new Map<string, readonly string[]>();
  readonly #interSite = new Map<string, { name: string; profile: string }>();
  readonly #regionLinks = new Map<string, { profile: string | null }>();
  readonly #pathCache = new Map<Site, Map<Site, SitePath>>();
  readonly #autoIds = new Map<string, string>();
  readonly #locateCache = new Map<string, Location | null>();
  readonly #ipCache = new Map<string, number>();
  readonly #users = new Map<string, User>();
  readonly #teamsRelays = new Map<string, TeamsRelay>();
  readonly #teamsSbcs = new Map<string, TeamsSbc>();

  constructor(scenario: Scenario) {
    this.scenario = scenario;
    const n = scenario.network;
    for (const r of n.regions) {
      this.#regions.set(r.name, r);
    }
    for (const s of n.sites) {
      this.#sites.set(s.name, s);
    }
    for (const p of n.bwPolicyProfiles) {
      this.#profiles.set(p.name, p);
    }
    for (const l of n.regionLinks) {
      this.#regionLinks.set(l.name, { profile: l.bwPolicyProfile });
    }
    for (const r of n.regionRoutes) {
      this.#routes.set(pairKey(r.regions[0], r.regions[1]), r.links);
    }
    for (const p of n.interSitePolicies) {
      this.#interSite.set(pairKey(p.sites[0], p.sites[1]), {
        name: p.name,
        profile: p.bwPolicyProfile,
      });
    }
    const lengths = new Map<number, Map<number, Subnet>>();
    for (const sub of n.subnets) {
      const net = parseIpv4(sub.subnet);
      if (net < 0) {
        continue;
      }
      let m = lengths.get(sub.maskBits);
      if (!m) {
        m = new Map();
        lengths.set(sub.maskBits, m);
      }
      m.set(net, sub);
    }
    for (const bits of [...lengths.keys()].sort((a, b) => b - a)) {
      this.#byLength.push({
        bits,
        mask: maskOf(bits),
        nets: lengths.get(bits) ?? new Map<number, Subnet>(),
      });
    }
    const h = scenario.hosts;
    for (const host of [
      ...h.mediationServers,
      ...h.gateways,
      ...h.clients,
      ...h.edges,
      ...h.voicemail,
    ]) {
      this.#hosts.set(host.name, host);
    }
    for (const u of scenario.users) {
      this.#users.set(u.name, u);
    }
    const t = scenario.teamsDirectRouting;
    for (const r of [...t.mediaProcessors, ...t.transportRelays]) {
      this.#teamsRelays.set(r.name, r);
    }
    for (const sbc of t.sbcs) {
      this.#teamsSbcs.set(sbc.gateway, sbc);
    }
  }

  /** A user by name (b.5 #37). */
  user(name: string | null): User | undefined {
    return name === null ? undefined : this.#users.get(name);
  }

  /** A Teams cloud relay (Media Processor or Transport Relay) by name (g.2). */
  teamsRelay(name: string): TeamsRelay | undefined {
    return this.#teamsRelays.get(name);
  }

  /** The Direct Routing settings of a gateway, when it is configured as a Teams SBC (g.2). */
  teamsSbc(gateway: string): TeamsSbc | undefined {
    return this.#teamsSbcs.get(gateway);
  }

  /** Any host by name. */
  host(name: string): Host | undefined {
    return this.#hosts.get(name);
  }
  client(name: string): Client | undefined {
    const h = this.#hosts.get(name);
    return h?.kind === 'client' ? h : undefined;
  }
  gateway(name: string): Gateway | undefined {
    const h = this.#hosts.get(name);
    return h !== undefined && (h.kind === 'pstn-gateway' || h.kind === 'ip-pbx' || h.kind === 'sbc')
      ? h
      : undefined;
  }
  mediationServer(name: string): MediationServer | undefined {
    const h = this.#hosts.get(name);
    return h?.kind === 'mediation-server' ? h : undefined;
  }
  get edges(): readonly Edge[] {
    return this.scenario.hosts.edges;
  }
  get voicemailHosts(): readonly VoicemailHost[] {
    return this.scenario.hosts.voicemail;
  }
  site(name: string | null): Site | undefined {
    return name === null ? undefined : this.#sites.get(name);
  }
  region(name: string | null): Region | undefined {
    return name === null ? undefined : this.#regions.get(name);
  }
  profile(name: string | null): BwPolicyProfile | null {
    return name === null ? null : (this.#profiles.get(name) ?? null);
  }

  /**
   * The configured subnet that is exactly `ip & mask / maskBits` (docs/rules.md b.1#10: no
   * containment match for the client's bypass lookup).
   */
  exactSubnet(ip: string, maskBits: number): Subnet | undefined {
    const addr = this.#ip(ip);
    if (addr < 0) {
      return undefined;
    }
    const level = this.#byLength.find((l) => l.bits === maskBits);
    return level?.nets.get((addr & level.mask) >>> 0);
  }

  /** The longest configured prefix containing `ip` (docs/rules.md c.1#1). */
  containingSubnet(ip: string): Subnet | undefined {
    const addr = this.#ip(ip);
    if (addr < 0) {
      return undefined;
    }
    for (const level of this.#byLength) {
      const sub = level.nets.get((addr & level.mask) >>> 0);
      if (sub) {
        return sub;
      }
    }
    return undefined;
  }

  #ip(text: string): number {
    let v = this.#ipCache.get(text);
    if (v === undefined) {
      v = parseIpv4(text);
      this.#ipCache.set(text, v);
    }
    return v;
  }

  /** Locates an address by longest-prefix match, as CAC does. */
  locate(ip: string): Location | null {
    let loc = this.#locateCache.get(ip);
    if (loc === undefined) {
      const subnet = this.containingSubnet(ip);
      const site = subnet ? (this.site(subnet.site) ?? null) : null;
      loc = subnet
        ? { subnet, site, region: site ? (this.region(site.region) ?? null) : null }
        : null;
      this.#locateCache.set(ip, loc);
    }
    return loc;
  }

  /** The site of a host: its declared site, else the site of its (client-facing) address. */
  siteOfHost(host: Host): Site | null {
    if ((host.kind === 'mediation-server' || host.kind === 'edge') && host.site !== null) {
      return this.site(host.site) ?? null;
    }
    const ip =
      host.kind === 'mediation-server'
        ? host.clientIp
        : host.kind === 'pstn-gateway' || host.kind === 'ip-pbx' || host.kind === 'sbc'
          ? host.mediaIp
          : host.ip;
    return this.locate(ip)?.site ?? null;
  }

  /** A stable GUID derived from a name, so that a run is reproducible. */
  autoBypassId(owner: string): string {
    let id = this.#autoIds.get(owner);
    if (id === undefined) {
      const hex = createHash('sha1')
        .update(`mediapath-bypass-id:${this.scenario.name}:${owner}`)
        .digest('hex');
      id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
      this.#autoIds.set(owner, id);
    }
    return id;
  }

  /** The global (system) bypass ID: configured, or auto-generated (a.2). */
  globalBypassId(): BypassId {
    const mb = this.scenario.networkConfiguration.mediaBypassSettings;
    return mb.bypassId !== null
      ? { id: mb.bypassId, source: 'global (configured)' }
      : { id: this.autoBypassId('global'), source: 'global (auto)' };
  }

  /**
   * b.4 #27-#32: `s.BypassIdOverride ?? (s.BWPolicyProfileID ? s.autoId : region.BypassIdOverride ?? region.autoId)`.
   * A site without a region gets no bypass ID (a.4, d.V8).
   */
  siteBypassId(site: Site): BypassId | null {
    if (site.bypassId !== null) {
      return { id: site.bypassId, source: `site ${site.name} (configured)` };
    }
    const region = this.region(site.region);
    if (!region) {
      return null;
    }
    if (site.bwPolicyProfile !== null) {
      return {
        id: this.autoBypassId(`site:${site.name}`),
        source: `site ${site.name} (auto, constrained uplink)`,
      };
    }
    if (region.bypassId !== null) {
      return { id: region.bypassId, source: `region ${region.name} (configured)` };
    }
    return {
      id: this.autoBypassId(`region:${region.name}`),
      source: `region ${region.name} (auto)`,
    };
  }

  /** The profile of a ledger link id (`site:X`, `region-link:Y`, `inter-site:Z`), for reports. */
  linkProfile(linkId: string): BwPolicyProfile | null {
    const i = linkId.indexOf(':');
    const kind = linkId.slice(0, i);
    const name = linkId.slice(i + 1);
    if (kind === 'site') {
      return this.profile(this.site(name)?.bwPolicyProfile ?? null);
    }
    if (kind === 'region-link') {
      return this.profile(this.#regionLinks.get(name)?.profile ?? null);
    }
    const isp = this.scenario.network.interSitePolicies.find((p) => p.name === name);
    return this.profile(isp?.bwPolicyProfile ?? null);
  }

  /**
   * The path between two sites per c.2: site uplinks (#6), the region route (#7), and an
   * inter-site policy (#8), combined per the A4 setting. Cached per site pair.
   */
  path(a: Site, b: Site): SitePath {
    let row = this.#pathCache.get(a);
    if (!row) {
      row = new Map();
      this.#pathCache.set(a, row);
    }
    let p = row.get(b);
    if (!p) {
      p = this.#computePath(a, b);
      row.set(b, p);
    }
    return p;
  }

  #computePath(a: Site, b: Site): SitePath {
    const steps: string[] = [];
    if (a.name === b.name) {
      return {
        ok: true,
        links: [],
        steps: [`c.2#5 same site ${a.name}: LAN, no constrained link`],
      };
    }
    const links: PathLink[] = [];
    const uplink = (s: Site): void => {
      if (s.bwPolicyProfile !== null) {
        links.push({
          id: `site:${s.name}`,
          kind: 'site-uplink',
          name: s.name,
          profile: this.profile(s.bwPolicyProfile),
        });
        steps.push(`c.2#6 ${s.name} uplink (profile ${s.bwPolicyProfile})`);
      } else {
        steps.push(`c.2#6 ${s.name} uplink unconstrained`);
      }
    };
    const isp = this.#interSite.get(pairKey(a.name, b.name));
    const replace = isp !== undefined && this.scenario.simulation.interSitePolicy === 'replace';
    if (!replace) {
      uplink(a);
      const ra = a.region;
      const rb = b.region;
      if (ra === null || rb === null) {
        return {
          ok: false,
          reason: 'no-region',
          steps: [...steps, `c.2#7 ${ra === null ? a.name : b.name} has no region`],
        };
      }
      if (ra !== rb) {
        const route = this.#routes.get(pairKey(ra, rb));
        if (!route) {
          return {
            ok: false,
            reason: 'no-route',
            steps: [...steps, `c.2#7 no route between regions ${ra} and ${rb}`],
          };
        }
        steps.push(`c.2#7 route ${ra}<->${rb}: ${route.join(', ') || '(no links)'}`);
        for (const name of route) {
          const l = this.#regionLinks.get(name);
          links.push({
            id: `region-link:${name}`,
            kind: 'region-link',
            name,
            profile: this.profile(l?.profile ?? null),
          });
        }
      } else {
        steps.push(`c.2#7 same region ${ra}`);
      }
      uplink(b);
    }
    if (isp) {
      links.push({
        id: `inter-site:${isp.name}`,
        kind: 'inter-site',
        name: isp.name,
        profile: this.profile(isp.profile),
      });
      steps.push(
        `c.2#8 inter-site policy ${isp.name} (A4: ${replace ? 'replaces' : 'added to'} the uplinks and route)`,
      );
    }
    return { ok: true, links, steps };
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}
