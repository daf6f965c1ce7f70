import { stringify } from 'yaml';
import { containsIp, formatIpv4, networkOf, parseIpv4, rangesOverlap } from '../core/index.js';
import { PSTN_HOST, PSTN_IP, scenarioHostIps } from '../lab/addressing.js';
import type { Host, Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';

/** The orchestrator's service: it runs the Bandwidth Policy Service and prints the report. */
export const ORCHESTRATOR_SERVICE = 'mediapath';
/** The service that routes between the networks and shapes the rate-limited links. */
export const ROUTER_SERVICE = 'router';
/** The orchestrator's control port on the `control` network. */
export const CONTROL_PORT = 7000;
/** The image every service runs, built from the top-level Dockerfile. */
export const IMAGE = 'mediapath:local';
/** Where the Dockerfile puts the package; the scenarios are under `/app/scenarios`. */
export const APP_DIR = '/app';
/** Where a scenario that is not in the image is mounted read-only. */
export const MOUNT_DIR = '/app/mounted';
export const CONTROL_NETWORK = 'control';
export const PSTN_NETWORK = 'pstn';
export const INTERNET_NETWORK = 'internet';
/** The PSTN pseudo-host's network: TEST-NET-1 (RFC 5737), around `PSTN_IP`. */
export const PSTN_SUBNET = '192.0.2.0/24';
/** The file the router's script creates once its rate limits are in place (its healthcheck). */
const ROUTER_READY = '/tmp/router-ready';

/** Where the orchestrator finds the scenario file. */
export type ScenarioSource =
  /** A path inside the image (the Dockerfile copies `scenarios/`), e.g. `scenarios/default.yaml`. */
  | { readonly inImage: string }
  /**
   * A file on the Docker host, mounted read-only: its path relative to the compose file's
   * directory (compose resolves relative paths from there), e.g. `../my/lab.yaml`.
   */
  | { readonly mount: string };

export interface ComposeOptions {
  readonly scenario: ScenarioSource;
  /** The build context (the directory holding the Dockerfile), relative to the compose file. */
  readonly buildContext: string;
  /** The command line that regenerates the file, for its header. */
  readonly command: string;
}

/** One Docker network of the deployment. */
export interface NetworkPlan {
  readonly name: string;
  /** `site`: addresses of one site; `internet`: hosts in no site; `pstn`; `control`. */
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
    /** True when Docker assigns it; false when the agent adds it (a second address on one network). */
    readonly assigned: boolean;
  }[];
  /** The router's address on the network of the host's first address (`--via`). */
  readonly via: string;
}

export interface ComposePlan {
  readonly scenario: string;
  readonly networks: readonly NetworkPlan[];
  readonly services: readonly ServicePlan[];
}

export type ComposeResult =
  | {
      readonly ok: true;
      readonly plan: ComposePlan;
      readonly document: ComposeDocument;
      readonly yaml: string;
    }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The compose file as an object (what the YAML holds). */
export type ComposeDocument = Record<string, unknown>;

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

/**
 * Plans the Docker Compose deployment of a scenario and renders it: the same hosts as the
 * network-namespace mode (src/net/netns.ts), as containers.
 *
 * - One bridge network per scenario subnet that holds hosts, named after its site
 *   (`site-portland`, then `site-portland-2` for a second subnet: Docker's bridge driver takes
 *   one IPv4 subnet per network). A subnet too small for Docker (a /32 A/V Edge address) is
 *   widened to the smallest range with room for its hosts, the router and Docker's gateway that
 *   overlaps no other subnet.
 * - Hosts in no site (external users) on `internet`, the /24 around them (narrower when that
 *   would overlap a scenario subnet); `pstn` (192.0.2.0/24) for the PSTN pseudo-host at
 *   `PSTN_IP`; `control` for the orchestrator and the agents.
 * - Every network's Docker gateway is set explicitly to the highest address no host uses, and
 *   the router takes the lowest. Networks are `internal`: the only way between them is the
 *   router, and a missing route fails instead of leaking out through the Docker host.
 * - A link rate in `links:` becomes a token bucket (tc tbf) on the router's interface on each
 *   network of the two sites, as in the netns mode; the router finds the interface by its
 *   address.
 *
 * Pure: the same scenario and options give the same text. Every reason the scenario cannot be
 * deployed is returned at once.
 */
export function composeFor(s: Scenario, topo: Topology, options: ComposeOptions): ComposeResult {
  const problems: string[] = [];
  const plan = planCompose(s, topo, problems);
  if (!plan || problems.length > 0) {
    return { ok: false, problems };
  }
  const document = composeDocument(plan, options);
  const header = composeHeader(s, plan, options);
  return {
    ok: true,
    plan,
    document,
    yaml: header + stringify(document, { version: '1.1', lineWidth: 0 }),
  };
}

function planCompose(s: Scenario, topo: Topology, problems: string[]): ComposePlan | null {
  const addresses = hostAddresses(s, problems);
  // One agent service per host (and the PSTN), named after it.
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
  const pstnRange: Range = { net: parseIpv4('192.0.2.0'), bits: 24 };
  const scenarioSubnets: Range[] = s.network.subnets.map((n) => ({
    net: parseIpv4(n.subnet),
    bits: n.maskBits,
  }));

  // Each address to the network of the scenario subnet holding it, or a range of its own.
  const blocks: Block[] = [];
  const siteOf = new Map<string, string | null>();
  for (const host of allHosts(s)) {
    siteOf.set(host.name, topo.siteOfHost(host)?.name ?? null);
  }
  for (const a of addresses) {
    if (a.host === PSTN_HOST) {
      continue;
    }
    if (containsIp(pstnRange.net, pstnRange.bits, a.value)) {
      problems.push(
        `${a.host}: ${a.ip} is in ${PSTN_SUBNET}, the PSTN network of the deployment (TEST-NET-1); use another address`,
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
        overlaps(candidate, pstnRange) ||
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

  // Room for the hosts, the router and Docker's gateway: widen what is too small.
  for (const b of blocks) {
    const needed = new Set(b.addresses.map((a) => a.value)).size + 2;
    let room = true;
    while (usable(b.range) < needed) {
      const wider = { net: networkOf(b.range.net, b.range.bits - 1), bits: b.range.bits - 1 };
      const clash =
        [...scenarioSubnets, pstnRange].find(
          (n) =>
            overlaps(wider, n) &&
            !(n.net === b.scenarioSubnet?.net && n.bits === b.scenarioSubnet.bits),
        ) ?? blocks.find((o) => o !== b && overlaps(wider, o.range))?.range;
      if (clash) {
        problems.push(
          `${cidr(b.scenarioSubnet ?? b.range)} (${hostList(b)}) has no room for the router and Docker's gateway, and ${cidr(wider)} would overlap ${cidr(clash)}; give it a wider subnet`,
        );
        room = false;
        break;
      }
      b.range = wider;
    }
    for (const a of room ? b.addresses : []) {
      if (a.value === b.range.net || a.value === lastOf(b.range)) {
        problems.push(
          `${a.host}: ${a.ip} is the ${a.value === b.range.net ? 'network' : 'broadcast'} address of ${cidr(b.range)}; Docker cannot give it to a container`,
        );
      }
    }
  }
  if (problems.length > 0) {
    return null;
  }

  // Names: sites in scenario order, then hosts in no site, then the PSTN and control.
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
    };
    networks.push(n);
    for (const a of b.addresses) {
      networkOfAddress.set(a, n);
    }
  }
  const pstnTaken = new Set([parseIpv4(PSTN_IP)]);
  const pstn: NetworkPlan = {
    name: PSTN_NETWORK,
    kind: 'pstn',
    site: null,
    subnet: PSTN_SUBNET,
    scenarioSubnet: null,
    router: formatIpv4(freeFrom(pstnRange, pstnTaken, 1)),
    gateway: formatIpv4(freeFrom(pstnRange, pstnTaken, -1)),
    rateKbps: null,
    queueMs: null,
  };
  networks.push(pstn);
  const control = controlRange([...blocks.map((b) => b.range), ...scenarioSubnets, pstnRange]);
  networks.push({
    name: CONTROL_NETWORK,
    kind: 'control',
    site: null,
    subnet: cidr(control),
    scenarioSubnet: null,
    router: null,
    gateway: formatIpv4(lastOf(control) - 1),
    rateKbps: null,
    queueMs: null,
  });

  // One agent per host (and the PSTN), named after it.
  const services: ServicePlan[] = [];
  for (const [host, service] of serviceNames) {
    const own = addresses.filter((a) => a.host === host);
    const onNetwork = new Set<string>();
    const list = own.map((a) => {
      const n = a.host === PSTN_HOST ? pstn : networkOfAddress.get(a);
      if (!n) {
        throw new TypeError(`no network for ${a.ip}`);
      }
      const assigned = !onNetwork.has(n.name);
      onNetwork.add(n.name);
      return { ip: a.ip, network: n.name, role: a.role, assigned };
    });
    const first = own[0];
    const firstNetwork = first && (host === PSTN_HOST ? pstn : networkOfAddress.get(first));
    if (!firstNetwork?.router) {
      throw new TypeError(`no router address for ${host}`);
    }
    services.push({ service, host, addresses: list, via: firstNetwork.router });
  }
  return problems.length > 0 ? null : { scenario: s.name, networks, services };
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
function controlRange(others: readonly Range[]): Range {
  for (let third = 0; third < 256; third++) {
    const r = { net: parseIpv4(`10.254.${third}.0`), bits: 24 };
    if (!others.some((o) => overlaps(r, o))) {
      return r;
    }
  }
  for (let third = 0; third < 256; third++) {
    const r = { net: parseIpv4(`100.64.${third}.0`), bits: 24 };
    if (!others.some((o) => overlaps(r, o))) {
      return r;
    }
  }
  throw new RangeError('no free /24 for the control network');
}

/** A compose service or network name: lower case, `[a-z0-9_.-]`, starting with a letter or digit. */
function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
  return /^[a-z0-9]/.test(s) ? s : `h${s}`;
}

function hostList(b: Block): string {
  return [...new Set(b.addresses.map((a) => a.host))].join(', ');
}

/** The compose file's object: services first, then networks, in plan order. */
function composeDocument(plan: ComposePlan, o: ComposeOptions): ComposeDocument {
  const scenarioPath =
    'inImage' in o.scenario
      ? `${APP_DIR}/${o.scenario.inImage}`
      : `${MOUNT_DIR}/${o.scenario.mount.split('/').pop() ?? 'scenario.yaml'}`;
  const orchestrator: Record<string, unknown> = {
    build: { context: o.buildContext },
    image: IMAGE,
    init: true,
    command: [
      'run',
      '--net',
      'agents',
      '--listen',
      `0.0.0.0:${CONTROL_PORT}`,
      // The router shapes link rates with tbf; the agents then apply only delay, jitter, loss.
      ...(plan.networks.some((n) => n.rateKbps !== null && n.router !== null)
        ? ['--kernel-rates']
        : []),
      scenarioPath,
    ],
    networks: [CONTROL_NETWORK],
  };
  if ('mount' in o.scenario) {
    orchestrator.volumes = [`${o.scenario.mount}:${scenarioPath}:ro`];
  }
  const routed = plan.networks.filter((n) => n.router !== null);
  const routerNetworks: Record<string, unknown> = {};
  for (const n of routed) {
    routerNetworks[n.name] = { ipv4_address: n.router };
  }
  routerNetworks[CONTROL_NETWORK] = {};
  const services: Record<string, unknown> = {
    [ORCHESTRATOR_SERVICE]: orchestrator,
    [ROUTER_SERVICE]: {
      image: IMAGE,
      init: true,
      // The image must exist before this service starts (it is built by the orchestrator's).
      depends_on: { [ORCHESTRATOR_SERVICE]: { condition: 'service_started' } },
      entrypoint: ['sh', '-c', routerScript(plan)],
      cap_add: ['NET_ADMIN'],
      sysctls: { 'net.ipv4.ip_forward': 1 },
      healthcheck: {
        test: ['CMD', 'test', '-f', ROUTER_READY],
        interval: '1s',
        timeout: '1s',
        retries: 30,
      },
      networks: routerNetworks,
    },
  };
  for (const svc of plan.services) {
    const networks: Record<string, unknown> = {};
    for (const a of svc.addresses) {
      if (a.assigned) {
        networks[a.network] = { ipv4_address: a.ip };
      }
    }
    networks[CONTROL_NETWORK] = {};
    services[svc.service] = {
      image: IMAGE,
      init: true,
      depends_on: {
        [ORCHESTRATOR_SERVICE]: { condition: 'service_started' },
        [ROUTER_SERVICE]: { condition: 'service_healthy' },
      },
      command: [
        'agent',
        '--control',
        `${ORCHESTRATOR_SERVICE}:${CONTROL_PORT}`,
        '--host',
        svc.host,
        '--via',
        svc.via,
      ],
      cap_add: ['NET_ADMIN'],
      networks,
    };
  }
  const networks: Record<string, unknown> = {};
  for (const n of plan.networks) {
    networks[n.name] = {
      driver: 'bridge',
      internal: true,
      ipam: { config: [{ subnet: n.subnet, gateway: n.gateway }] },
    };
  }
  return { services, networks };
}

/**
 * The router's shell script: find each rate-limited network's interface by the router's
 * address on it, put a tbf on it, mark itself ready and sleep. `$` is doubled for compose.
 */
function routerScript(plan: ComposePlan): string {
  const lines = ['set -eu'];
  const limited = plan.networks.filter((n) => n.rateKbps !== null && n.router !== null);
  if (limited.length > 0) {
    lines.push(
      '# The interface that holds an address (names follow the order Docker attaches networks).',
      'dev() { ip -o -4 addr show | awk -v a="$$1" \'{ split($$4, p, "/"); if (p[1] == a) { print $$2; exit } }\'; }',
    );
  }
  for (const n of limited) {
    if (n.rateKbps === null || n.router === null) {
      continue;
    }
    // As the netns mode: a burst of at least one MTU-sized packet plus 10 ms at the rate.
    const burstBytes = Math.max(1600, Math.round((n.rateKbps * 1000) / 8 / 100));
    lines.push(
      `# ${n.rateKbps} kbit/s towards site ${n.site ?? ''} (${n.name}), queue ${n.queueMs ?? 100} ms.`,
      `d=$$(dev ${n.router}); [ -n "$$d" ] || { echo "router: no interface has ${n.router}" >&2; exit 1; }`,
      `tc qdisc replace dev "$$d" root tbf rate ${n.rateKbps}kbit burst ${burstBytes} latency ${n.queueMs ?? 100}ms`,
    );
  }
  lines.push(`touch ${ROUTER_READY}`, 'exec sleep infinity');
  return `${lines.join('\n')}\n`;
}

function composeHeader(s: Scenario, plan: ComposePlan, o: ComposeOptions): string {
  const where =
    'inImage' in o.scenario
      ? `${o.scenario.inImage} (in the image)`
      : `${o.scenario.mount} (mounted read-only)`;
  const lines = [
    `# Generated by \`${o.command}\`: do not edit, regenerate.`,
    `# Docker Compose deployment of the scenario "${s.name.replace(/\s+/g, ' ')}", ${where}.`,
    '# One container per host (an agent), a router between the site networks, the orchestrator.',
    '# Run: docker-compose up --abort-on-container-exit --exit-code-from mediapath',
  ];
  const added = plan.services.flatMap((svc) =>
    svc.addresses.filter((a) => !a.assigned).map((a) => `${svc.service} ${a.ip} (${a.role})`),
  );
  if (added.length > 0) {
    lines.push(
      '# Compose gives a container one address per network; the agent adds its second one itself:',
      `#   ${added.join(', ')}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A one-line summary: how many services and networks. */
export function describePlan(plan: ComposePlan): string {
  const sites = plan.networks.filter((n) => n.kind === 'site').length;
  return `${plan.services.length + 2} services (${plan.services.length} agents, the router, the orchestrator), ${plan.networks.length} networks (${sites} for sites)`;
}
