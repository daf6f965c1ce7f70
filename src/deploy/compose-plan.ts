/**
 * The plan of a scenario's Docker Compose deployment: which networks exist (one per site
 * subnet, `internet`, the PSTN's transit network, `control`), which address every container
 * has on which network, where the router sits and what it routes and shapes. Pure: it neither
 * renders YAML (compose.ts does) nor knows how the agents or the router carry the plan out.
 */
import {
  containsIp,
  formatIpv4,
  InternalError,
  networkOf,
  parseIpv4,
  rangesOverlap,
} from '../core/index.js';
import { PSTN_HOST, PSTN_IP, scenarioHostIps } from '../lab/addressing.js';
import type { Host, Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';

/** The orchestrator's service: it runs the Bandwidth Policy Service and prints the report. */
export const ORCHESTRATOR_SERVICE = 'mediapath';
/** The service that routes between the networks and shapes the rate-limited links. */
export const ROUTER_SERVICE = 'router';
/** The network between the orchestrator and the agents. */
export const CONTROL_NETWORK = 'control';
/** The PSTN pseudo-host's transit network to the router. */
export const PSTN_NETWORK = 'pstn';
/** The network of hosts in no site (external users). */
export const INTERNET_NETWORK = 'internet';
/**
 * The PSTN pseudo-host's range, TEST-NET-1 (RFC 5737) around `PSTN_IP`. No host of a deployed
 * scenario may use it. It is never a Docker network: the Docker host may use that range
 * itself (documentation ranges do turn up on real links, and Podman refuses a network that
 * overlaps one of the host's), so the PSTN's container sits on a transit network and its agent
 * adds `PSTN_IP`, which the router routes to it.
 */
export const PSTN_SUBNET = '192.0.2.0/24';

/** One Docker network of the deployment. */
export interface NetworkPlan {
  readonly name: string;
  /**
   * `site`: addresses of one site; `internet`: hosts in no site; `pstn`: the PSTN's transit
   * network to the router; `control`: the orchestrator and the agents.
   */
  readonly kind: 'site' | 'internet' | 'pstn' | 'control';
  /** The site whose hosts are on it (`site` networks only). */
  readonly site: string | null;
  /** `a.b.c.d/n`. A site network is the scenario subnet, widened when too small for Docker. */
  readonly subnet: string;
  /** The scenario subnet it carries, when there is one (`a.b.c.d/n`). */
  readonly scenarioSubnet: string | null;
  /** The address Docker gives the bridge; set explicitly to one no host uses. */
  readonly gateway: string;
  /** The router's address on it (`null` on `control`, which the router joins without one). */
  readonly router: string | null;
  /** A rate limit towards the network's hosts (tc tbf on the router's interface), kbit/s. */
  readonly rateKbps: number | null;
  /** The queue of that rate limit (tbf latency), ms. */
  readonly queueMs: number | null;
  /**
   * Addresses on no Docker network that the router routes to a container on this one
   * (`a.b.c.d/32` via the container's address): the PSTN's `PSTN_IP`.
   */
  readonly routes: readonly { readonly to: string; readonly via: string }[];
}

/** One host's agent service. */
export interface ServicePlan {
  readonly service: string;
  readonly host: string;
  /** Its addresses, the first one the host's main (client-facing) address. */
  readonly addresses: readonly {
    readonly ip: string;
    readonly network: string;
    readonly role: string;
    /**
     * True when Docker assigns it; false when the agent adds it: a second address on one
     * network, or the PSTN's address, which is on no Docker network.
     */
    readonly assigned: boolean;
  }[];
  /** The router's address on the network of the host's first address (`--via`). */
  readonly via: string;
}

/** The whole deployment: networks in order (sites, internet, pstn, control), then agents. */
export interface ComposePlan {
  readonly scenario: string;
  /**
   * The orchestrator's static address on `control`. Agents are given the address rather than
   * the service name: Podman's internal networks resolve no names without a DNS plugin.
   */
  readonly orchestrator: string;
  readonly networks: readonly NetworkPlan[];
  readonly services: readonly ServicePlan[];
}

/** A range of addresses as integers. */
interface Range {
  readonly net: number;
  readonly bits: number;
}

interface Address {
  readonly host: string;
  readonly ip: string;
  readonly value: number;
  readonly role: string;
}

/** A network in the making: the range and the addresses on it. */
interface Block {
  range: Range;
  readonly scenarioSubnet: Range | null;
  readonly site: string | null;
  readonly addresses: Address[];
}

const cidr = (r: Range): string => `${formatIpv4(r.net)}/${r.bits}`;
const lastOf = (r: Range): number => (r.net + 2 ** (32 - r.bits) - 1) >>> 0;
/** Addresses Docker can hand out: all but the network and broadcast addresses. */
const usable = (r: Range): number => (r.bits >= 31 ? 0 : 2 ** (32 - r.bits) - 2);
const overlaps = (a: Range, b: Range): boolean => rangesOverlap(a.net, a.bits, b.net, b.bits);
const PSTN_RESERVED: Range = { net: parseIpv4('192.0.2.0'), bits: 24 };

/**
 * Plans the deployment of a scenario: the same hosts as the network-namespace mode
 * (src/net/netns.ts), as containers.
 *
 * - One bridge network per scenario subnet that holds hosts, named after its site
 *   (`site-portland`, then `site-portland-2` for a second subnet: Docker's bridge driver takes
 *   one IPv4 subnet per network). A subnet too small for Docker (a /32 A/V Edge address) is
 *   widened to the smallest range with room for its hosts, the router and Docker's gateway that
 *   overlaps no other subnet.
 * - Hosts in no site (external users) on `internet`, the /24 around them (narrower when that
 *   would overlap a scenario subnet).
 * - `control` for the orchestrator (at its lowest address) and the agents, and `pstn`, a
 *   transit network for the PSTN pseudo-host, whose agent adds `PSTN_IP` (see `PSTN_SUBNET`):
 *   two free /24s of 10.254.0.0/16.
 * - Every network's Docker gateway is set explicitly to the highest address no host uses, and
 *   the router takes the lowest. Networks are `internal`: the only way between them is the
 *   router, and a missing route fails instead of leaking out through the Docker host.
 * - A link rate in `links:` becomes a token bucket on the router's interface on each network
 *   of the two sites, as in the netns mode.
 *
 * Every reason the scenario cannot be deployed is returned at once.
 */
export function planCompose(
  s: Scenario,
  topo: Topology,
):
  | { readonly ok: true; readonly plan: ComposePlan }
  | { readonly ok: false; readonly problems: string[] } {
  const problems: string[] = [];
  const addresses = hostAddresses(s, problems);
  const serviceNames = agentServiceNames(addresses, problems);
  const scenarioSubnets: Range[] = s.network.subnets.map((n) => ({
    net: parseIpv4(n.subnet),
    bits: n.maskBits,
  }));
  const blocks = splitNested(
    placeAddresses(s, topo, addresses, scenarioSubnets, problems),
    problems,
  );
  for (const b of blocks) {
    widen(b, blocks, scenarioSubnets, problems);
  }
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  const { networks, networkOfAddress } = siteNetworks(s, blocks);

  // Two transit ranges clear of everything else: control first, then the PSTN's. On the PSTN's
  // the router takes the lowest address and the PSTN's container the next.
  const inUse = [...blocks.map((b) => b.range), ...scenarioSubnets, PSTN_RESERVED];
  const controlRange = transitRange(inUse);
  const pstnRange = transitRange([...inUse, controlRange]);
  const pstnTaken = new Set<number>();
  const pstnRouter = formatIpv4(freeFrom(pstnRange, pstnTaken, 1));
  const pstnTransit = formatIpv4(freeFrom(pstnRange, pstnTaken, 1));
  networks.push({
    name: PSTN_NETWORK,
    kind: 'pstn',
    site: null,
    subnet: cidr(pstnRange),
    scenarioSubnet: null,
    router: pstnRouter,
    gateway: formatIpv4(freeFrom(pstnRange, pstnTaken, -1)),
    rateKbps: null,
    queueMs: null,
    routes: [{ to: `${PSTN_IP}/32`, via: pstnTransit }],
  });
  const controlTaken = new Set<number>();
  const orchestrator = formatIpv4(freeFrom(controlRange, controlTaken, 1));
  networks.push({
    name: CONTROL_NETWORK,
    kind: 'control',
    site: null,
    subnet: cidr(controlRange),
    scenarioSubnet: null,
    router: null,
    gateway: formatIpv4(freeFrom(controlRange, controlTaken, -1)),
    rateKbps: null,
    queueMs: null,
    routes: [],
  });

  // One agent per host (and the PSTN), named after it.
  const services: ServicePlan[] = [];
  for (const [host, service] of serviceNames) {
    if (host === PSTN_HOST) {
      services.push({
        service,
        host,
        addresses: [
          { ip: PSTN_IP, network: PSTN_NETWORK, role: 'pstn', assigned: false },
          { ip: pstnTransit, network: PSTN_NETWORK, role: 'transit', assigned: true },
        ],
        via: pstnRouter,
      });
    } else {
      services.push(agentService(host, service, addresses, networkOfAddress));
    }
  }
  return { ok: true, plan: { scenario: s.name, orchestrator, networks, services } };
}

/** Every address of the run: scenario order, as the lab assigns them, then the PSTN. */
function hostAddresses(s: Scenario, problems: string[]): Address[] {
  const out: Address[] = [];
  const owner = new Map<string, string>();
  const add = (host: string, ip: string, role: string): void => {
    const other = owner.get(ip);
    if (other === host) {
      return;
    }
    if (other !== undefined) {
      problems.push(
        `${host}: ${ip} is also ${other}'s address; a container needs an address of its own`,
      );
      return;
    }
    owner.set(ip, host);
    out.push({ host, ip, value: parseIpv4(ip), role });
  };
  for (const h of scenarioHostIps(s)) {
    add(h.host, h.ip, h.role);
  }
  if (owner.has(PSTN_IP) || [...owner.values()].includes(PSTN_HOST)) {
    problems.push(
      `the PSTN pseudo-host "${PSTN_HOST}" at ${PSTN_IP} is already taken by a scenario host`,
    );
  } else {
    add(PSTN_HOST, PSTN_IP, 'pstn');
  }
  return out;
}

/** One agent service per host (and the PSTN), named after it; names must not clash. */
function agentServiceNames(addresses: readonly Address[], problems: string[]): Map<string, string> {
  const serviceNames = new Map<string, string>();
  for (const a of addresses) {
    if (!serviceNames.has(a.host)) {
      serviceNames.set(a.host, slug(a.host));
    }
  }
  const byService = new Map<string, string>();
  for (const [host, service] of serviceNames) {
    if (service === ORCHESTRATOR_SERVICE || service === ROUTER_SERVICE) {
      problems.push(
        `host ${host}: its service name "${service}" is the deployment's own ${service} service; rename the host`,
      );
    } else if (byService.has(service)) {
      problems.push(
        `hosts ${byService.get(service)} and ${host} both become the service "${service}"; rename one`,
      );
    }
    byService.set(service, host);
  }
  return serviceNames;
}

/** Each address to the network of the scenario subnet holding it, or a range of its own. */
function placeAddresses(
  s: Scenario,
  topo: Topology,
  addresses: readonly Address[],
  scenarioSubnets: readonly Range[],
  problems: string[],
): Block[] {
  const blocks: Block[] = [];
  const siteOf = new Map<string, string | null>();
  for (const host of allHosts(s)) {
    siteOf.set(host.name, topo.siteOfHost(host)?.name ?? null);
  }
  for (const a of addresses) {
    if (a.host === PSTN_HOST) {
      continue;
    }
    if (containsIp(PSTN_RESERVED.net, PSTN_RESERVED.bits, a.value)) {
      problems.push(
        `${a.host}: ${a.ip} is in ${PSTN_SUBNET}, the PSTN's range (TEST-NET-1, the PSTN at ${PSTN_IP}); use another address`,
      );
      continue;
    }
    const subnet = topo.containingSubnet(a.ip);
    if (subnet) {
      const range: Range = { net: parseIpv4(subnet.subnet), bits: subnet.maskBits };
      let block = blocks.find(
        (b) => b.scenarioSubnet?.net === range.net && b.scenarioSubnet.bits === range.bits,
      );
      if (!block) {
        block = {
          range,
          scenarioSubnet: range,
          site: subnet.site ?? siteOf.get(a.host) ?? null,
          addresses: [],
        };
        blocks.push(block);
      }
      block.addresses.push(a);
      continue;
    }
    const site = siteOf.get(a.host) ?? null;
    const existing = blocks.find(
      (b) =>
        b.scenarioSubnet === null &&
        b.site === site &&
        containsIp(b.range.net, b.range.bits, a.value),
    );
    if (existing) {
      existing.addresses.push(a);
      continue;
    }
    // The /24 around the address, or the widest range down to /29 that overlaps nothing.
    let range: Range | null = null;
    for (let bits = 24; bits <= 29 && range === null; bits++) {
      const candidate = { net: networkOf(a.value, bits), bits };
      const taken =
        overlaps(candidate, PSTN_RESERVED) ||
        scenarioSubnets.some((n) => overlaps(candidate, n)) ||
        blocks.some((b) => overlaps(candidate, b.range));
      if (!taken) {
        range = candidate;
      }
    }
    if (range === null) {
      problems.push(
        `${a.host}: ${a.ip} is in no scenario subnet and no range around it (/24 to /29) is free of other subnets; give it a subnet`,
      );
      continue;
    }
    blocks.push({ range, scenarioSubnet: null, site, addresses: [a] });
  }
  return blocks;
}

/**
 * Nested scenario subnets (a "virtual" super-subnet beside a more specific one, A17) would make
 * overlapping Docker networks, which Docker refuses. A block whose range contains another
 * block's is split: each of its hosts goes into the widest range around it that overlaps no
 * other block, and hosts that share a range share a network (`site-chicago`, `site-chicago-2`).
 * Hosts keep their scenario addresses: only the Docker networks are smaller than the subnet.
 */
function splitNested(blocks: Block[], problems: string[]): Block[] {
  const out: Block[] = [];
  for (const b of blocks) {
    const inner = blocks.filter(
      (o) => o !== b && overlaps(b.range, o.range) && o.range.bits > b.range.bits,
    );
    if (inner.length === 0) {
      out.push(b);
      continue;
    }
    const parts = new Map<string, Block>();
    for (const a of b.addresses) {
      let range: Range | null = null;
      for (let bits = b.range.bits + 1; bits <= 30 && range === null; bits++) {
        const candidate = { net: networkOf(a.value, bits), bits };
        if (!inner.some((o) => overlaps(candidate, o.range))) {
          range = candidate;
        }
      }
      if (range === null) {
        problems.push(
          `${a.host}: ${a.ip} in ${cidr(b.range)} has no range of its own clear of ${inner.map((o) => cidr(o.range)).join(', ')}: Docker networks cannot overlap`,
        );
        continue;
      }
      const key = cidr(range);
      const part = parts.get(key) ?? {
        range,
        scenarioSubnet: b.scenarioSubnet,
        site: b.site,
        addresses: [],
      };
      part.addresses.push(a);
      parts.set(key, part);
    }
    out.push(...parts.values());
  }
  return out;
}

/** Room for the hosts, the router and Docker's gateway: widens a block that is too small. */
function widen(
  b: Block,
  blocks: readonly Block[],
  scenarioSubnets: readonly Range[],
  problems: string[],
): void {
  const needed = new Set(b.addresses.map((a) => a.value)).size + 2;
  while (usable(b.range) < needed) {
    const wider = { net: networkOf(b.range.net, b.range.bits - 1), bits: b.range.bits - 1 };
    const clash =
      [...scenarioSubnets, PSTN_RESERVED].find(
        (n) =>
          overlaps(wider, n) &&
          !(n.net === b.scenarioSubnet?.net && n.bits === b.scenarioSubnet.bits),
      ) ?? blocks.find((o) => o !== b && overlaps(wider, o.range))?.range;
    if (clash) {
      problems.push(
        `${cidr(b.scenarioSubnet ?? b.range)} (${hostList(b)}) has no room for the router and Docker's gateway, and ${cidr(wider)} would overlap ${cidr(clash)}; give it a wider subnet`,
      );
      return;
    }
    b.range = wider;
  }
  for (const a of b.addresses) {
    if (a.value === b.range.net || a.value === lastOf(b.range)) {
      problems.push(
        `${a.host}: ${a.ip} is the ${a.value === b.range.net ? 'network' : 'broadcast'} address of ${cidr(b.range)}; Docker cannot give it to a container`,
      );
    }
  }
}

/** The networks of the blocks: sites in scenario order, then hosts in no site. */
function siteNetworks(
  s: Scenario,
  blocks: readonly Block[],
): { networks: NetworkPlan[]; networkOfAddress: Map<Address, NetworkPlan> } {
  const siteIndex = new Map(s.network.sites.map((site, i) => [site.name, i]));
  const ordered = [...blocks].sort(
    (x, y) =>
      (x.site === null ? Infinity : (siteIndex.get(x.site) ?? Infinity)) -
        (y.site === null ? Infinity : (siteIndex.get(y.site) ?? Infinity)) ||
      blocks.indexOf(x) - blocks.indexOf(y),
  );
  const used = new Set<string>([CONTROL_NETWORK, PSTN_NETWORK]);
  const unique = (base: string): string => {
    let name = base;
    for (let n = 2; used.has(name); n++) {
      name = `${base}-${n}`;
    }
    used.add(name);
    return name;
  };
  const rates = siteRates(s);
  const networks: NetworkPlan[] = [];
  const networkOfAddress = new Map<Address, NetworkPlan>();
  for (const b of ordered) {
    const taken = new Set(b.addresses.map((a) => a.value));
    const rate = b.site === null ? undefined : rates.get(b.site);
    const n: NetworkPlan = {
      name: unique(b.site === null ? INTERNET_NETWORK : `site-${slug(b.site)}`),
      kind: b.site === null ? 'internet' : 'site',
      site: b.site,
      subnet: cidr(b.range),
      scenarioSubnet: b.scenarioSubnet ? cidr(b.scenarioSubnet) : null,
      router: formatIpv4(freeFrom(b.range, taken, 1)),
      gateway: formatIpv4(freeFrom(b.range, taken, -1)),
      rateKbps: rate?.rateKbps ?? null,
      queueMs: rate?.queueMs ?? null,
      routes: [],
    };
    networks.push(n);
    for (const a of b.addresses) {
      networkOfAddress.set(a, n);
    }
  }
  return { networks, networkOfAddress };
}

/**
 * A scenario host's agent: Docker assigns the first address it has on each network; a second
 * one on the same network (a Mediation Server's gateway side) is added by the agent.
 */
function agentService(
  host: string,
  service: string,
  addresses: readonly Address[],
  networkOfAddress: ReadonlyMap<Address, NetworkPlan>,
): ServicePlan {
  const own = addresses.filter((a) => a.host === host);
  const onNetwork = new Set<string>();
  const list = own.map((a) => {
    const n = networkOfAddress.get(a);
    if (!n) {
      throw new InternalError(`compose: no network for ${a.ip}`);
    }
    const assigned = !onNetwork.has(n.name);
    onNetwork.add(n.name);
    return { ip: a.ip, network: n.name, role: a.role, assigned };
  });
  const first = own[0];
  const via = first && networkOfAddress.get(first)?.router;
  if (!via) {
    throw new InternalError(`compose: no router address for ${host}`);
  }
  return { service, host, addresses: list, via };
}

function allHosts(s: Scenario): Host[] {
  const h = s.hosts;
  return [...h.mediationServers, ...h.gateways, ...h.clients, ...h.edges, ...h.voicemail];
}

/** The rate towards each site: the lowest of its links', with that link's queue. */
function siteRates(s: Scenario): Map<string, { rateKbps: number; queueMs: number }> {
  const out = new Map<string, { rateKbps: number; queueMs: number }>();
  for (const l of s.links) {
    const r = l.impairment.rateKbps;
    if (r === null) {
      continue;
    }
    for (const site of l.between) {
      const cur = out.get(site);
      if (!cur || r < cur.rateKbps) {
        out.set(site, { rateKbps: r, queueMs: l.impairment.queueMs });
      }
    }
  }
  return out;
}

/** The first usable address from the bottom (`step` 1) or the top (-1) that is not taken. */
function freeFrom(r: Range, taken: Set<number>, step: 1 | -1): number {
  let v = step === 1 ? r.net + 1 : lastOf(r) - 1;
  while (taken.has(v)) {
    v += step;
  }
  taken.add(v);
  return v >>> 0;
}

/** A /24 from 10.254.0.0/16 (the netns mode's transit range) clear of every other network. */
function transitRange(others: readonly Range[]): Range {
  for (const prefix of ['10.254', '100.64']) {
    for (let third = 0; third < 256; third++) {
      const r = { net: parseIpv4(`${prefix}.${third}.0`), bits: 24 };
      if (!others.some((o) => overlaps(r, o))) {
        return r;
      }
    }
  }
  throw new RangeError('no free /24 for a transit network');
}

/** A compose service or network name: lower case, `[a-z0-9_.-]`, starting with a letter or digit. */
function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
  return /^[a-z0-9]/.test(s) ? s : `h${s}`;
}

function hostList(b: Block): string {
  return [...new Set(b.addresses.map((a) => a.host))].join(', ');
}
