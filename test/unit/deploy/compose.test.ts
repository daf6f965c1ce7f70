import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeOptionsFor, composeScenario } from '../../../src/cli/compose-command.js';
import { DEFAULT_SCENARIO } from '../../../src/cli/main.js';
import { containsIp, parseIpv4 } from '../../../src/core/index.js';
import { composeFor, type ComposeResult } from '../../../src/deploy/index.js';
import { PSTN_IP } from '../../../src/lab/addressing.js';
import { loadScenarioText, type Scenario } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const scenarioDir = join(root, 'scenarios');

interface ServiceDoc {
  image: string;
  build?: { context: string };
  command?: string[];
  entrypoint?: string[];
  cap_add?: string[];
  sysctls?: Record<string, number>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  networks: Record<string, { ipv4_address?: string } | null> | string[];
}
interface NetworkDoc {
  internal: boolean;
  ipam: { config: { subnet: string; gateway: string }[] };
}
interface ComposeDoc {
  services: Record<string, ServiceDoc>;
  networks: Record<string, NetworkDoc>;
}

function load(text: string, file = '<inline>'): Scenario {
  const r = loadScenarioText(text, file);
  if (!r.ok) {
    throw new Error(r.problems.map((p) => p.message).join('\n'));
  }
  return r.scenario;
}

function scenarioFile(name: string): { scenario: Scenario; file: string } {
  const file = join(scenarioDir, name);
  return { scenario: load(readFileSync(file, 'utf8'), file), file };
}

/** The compose file for a reference scenario, as `mediapath compose FILE -o docker-compose.yml`. */
function generate(
  name: string,
  text?: string,
): { result: Extract<ComposeResult, { ok: true }>; doc: ComposeDoc } {
  const { scenario, file } = scenarioFile(name);
  const s = text === undefined ? scenario : load(text, file);
  const result = composeScenario(s, file, join(root, 'docker-compose.yml'), true, root);
  if (!result.ok) {
    throw new Error(result.problems.join('\n'));
  }
  return { result, doc: parse(result.yaml) as ComposeDoc };
}

function ipv4Of(svc: ServiceDoc, network: string): string | undefined {
  const n = svc.networks;
  return Array.isArray(n) ? undefined : (n[network]?.ipv4_address ?? undefined);
}

function inSubnet(ip: string, subnet: string): boolean {
  const [net, bits] = subnet.split('/');
  return containsIp(parseIpv4(net!), Number(bits), parseIpv4(ip));
}

function routerScript(doc: ComposeDoc): string {
  const entry = doc.services.router?.entrypoint ?? [];
  expect(entry.slice(0, 2)).toEqual(['sh', '-c']);
  return entry[2] ?? '';
}

describe('docker-compose.yml', () => {
  it('is what `mediapath compose -o docker-compose.yml` writes for the embedded default', () => {
    const text = readFileSync(DEFAULT_SCENARIO, 'utf8');
    const result = composeScenario(
      load(text, DEFAULT_SCENARIO),
      DEFAULT_SCENARIO,
      join(root, 'docker-compose.yml'),
      false,
      root,
    );
    expect(result.ok).toBe(true);
    const committed = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    expect(
      result.ok ? result.yaml : '',
      'docker-compose.yml is out of date: regenerate it with `npx mediapath compose -o docker-compose.yml` and commit it',
    ).toBe(committed);
  });
});

describe('compose: the default scenario', () => {
  const { doc, result } = generate('default.yaml');

  it('has one network per site, the PSTN and control, all internal, with gateways no host uses', () => {
    expect(Object.keys(doc.networks)).toEqual(['site-chicago', 'site-portland', 'pstn', 'control']);
    const subnet = (n: string): string => doc.networks[n]!.ipam.config[0]!.subnet;
    expect(subnet('site-chicago')).toBe('172.28.152.128/25');
    expect(subnet('site-portland')).toBe('172.29.77.0/24');
    // Transit ranges: the PSTN's TEST-NET-1 address is on no Docker network (the Docker host
    // may use 192.0.2.0/24 itself).
    expect(subnet('control')).toBe('10.254.0.0/24');
    expect(subnet('pstn')).toBe('10.254.1.0/24');
    expect(
      Object.values(doc.networks).filter((n) => inSubnet(PSTN_IP, n.ipam.config[0]!.subnet)),
    ).toEqual([]);
    expect(doc.networks['site-portland']!.ipam.config[0]!.gateway).toBe('172.29.77.254');
    expect(Object.values(doc.networks).every((n) => n.internal)).toBe(true);
  });

  it('runs the orchestrator on the scenario inside the image, at a static address on control', () => {
    const m = doc.services.mediapath!;
    expect(m.command).toEqual([
      'run',
      '--net',
      'agents',
      '--listen',
      '0.0.0.0:7000',
      '/app/scenarios/default.yaml',
    ]);
    expect(m.build).toEqual({ context: '.' });
    expect(m.networks).toEqual({ control: { ipv4_address: '10.254.0.1' } });
    expect(result.plan.orchestrator).toBe('10.254.0.1');
    expect(m.volumes).toBeUndefined();
  });

  it('gives every host an agent with its scenario address and the router as --via', () => {
    expect(Object.keys(doc.services)).toEqual([
      'mediapath',
      'router',
      'ms-hq',
      'gw-por',
      'alice',
      'bob',
      'carol',
      'pstn',
    ]);
    const alice = doc.services.alice!;
    expect(alice.command).toEqual([
      'agent',
      '--control',
      '10.254.0.1:7000',
      '--host',
      'alice',
      '--via',
      '172.29.77.1',
    ]);
    expect(ipv4Of(alice, 'site-portland')).toBe('172.29.77.15');
    expect(alice.cap_add).toEqual(['NET_ADMIN']);
    expect(Object.keys(alice.networks)).toEqual(['site-portland', 'control']);
    expect(alice.depends_on?.router).toEqual({ condition: 'service_healthy' });
    expect(ipv4Of(doc.services['gw-por']!, 'site-portland')).toBe('172.29.77.200');
    expect(doc.services.bob!.command?.at(-1)).toBe('172.28.152.129');
  });

  it("puts the PSTN on a transit network; its agent adds the PSTN's address, the router routes it", () => {
    const pstn = doc.services.pstn!;
    expect(pstn.networks).toEqual({ pstn: { ipv4_address: '10.254.1.2' }, control: {} });
    expect(pstn.command).toContain('pstn');
    expect(pstn.command?.at(-1)).toBe('10.254.1.1');
    expect(result.plan.services.find((s) => s.host === 'pstn')?.addresses).toEqual([
      { ip: PSTN_IP, network: 'pstn', role: 'pstn', assigned: false },
      { ip: '10.254.1.2', network: 'pstn', role: 'transit', assigned: true },
    ]);
    expect(routerScript(doc)).toContain(`ip route replace ${PSTN_IP}/32 via 10.254.1.2\n`);
    expect(routerScript(doc).indexOf('ip route')).toBeLessThan(
      routerScript(doc).indexOf('touch /tmp/router-ready'),
    );
    expect(result.yaml).toContain(`pstn ${PSTN_IP} (pstn)`);
  });

  it('gives the Mediation Server its client-facing address; the agent adds the gateway-facing one', () => {
    expect(ipv4Of(doc.services['ms-hq']!, 'site-chicago')).toBe('172.28.152.130');
    expect(result.yaml).toContain('ms-hq 172.28.152.131 (gateway-side)');
    const ms = result.ok ? result.plan.services.find((s) => s.host === 'ms-hq') : undefined;
    expect(ms?.addresses).toEqual([
      { ip: '172.28.152.130', network: 'site-chicago', role: 'client-side', assigned: true },
      { ip: '172.28.152.131', network: 'site-chicago', role: 'gateway-side', assigned: false },
    ]);
  });

  it('puts the router on every network, forwarding, without rate limits (no links)', () => {
    const r = doc.services.router!;
    expect(r.networks).toEqual({
      'site-chicago': { ipv4_address: '172.28.152.129' },
      'site-portland': { ipv4_address: '172.29.77.1' },
      pstn: { ipv4_address: '10.254.1.1' },
      control: {},
    });
    expect(r.sysctls).toEqual({ 'net.ipv4.ip_forward': 1 });
    expect(r.cap_add).toEqual(['NET_ADMIN']);
    expect(routerScript(doc)).not.toContain('tc ');
    expect(routerScript(doc)).toContain('exec sleep infinity');
  });

  it('says how it was generated and how to run it', () => {
    expect(result.yaml.split('\n')[0]).toBe(
      '# Generated by `mediapath compose scenarios/default.yaml -o docker-compose.yml`: do not edit, regenerate.',
    );
    expect(result.yaml).toContain(
      '# Run: docker-compose up --abort-on-container-exit --exit-code-from mediapath',
    );
  });
});

describe('compose: nested subnets (A17)', () => {
  const { doc } = generate('nested-subnets.yaml');

  it('splits a super-subnet around a nested one: Docker networks never overlap', () => {
    const subnets = Object.values(doc.networks).map((n) => n.ipam.config[0]!.subnet);
    for (const [i, a] of subnets.entries()) {
      for (const b of subnets.slice(i + 1)) {
        const [na, ba] = a.split('/');
        const [nb, bb] = b.split('/');
        const overlap =
          containsIp(parseIpv4(na!), Number(ba), parseIpv4(nb!)) ||
          containsIp(parseIpv4(nb!), Number(bb), parseIpv4(na!));
        expect({ a, b, overlap }).toEqual({ a, b, overlap: false });
      }
    }
    // Hosts keep their scenario addresses, each on a network of its site that holds it.
    expect(ipv4Of(doc.services.fred!, 'site-chicago-2')).toBe('172.29.90.10');
    expect(inSubnet('172.29.90.10', doc.networks['site-chicago-2']!.ipam.config[0]!.subnet)).toBe(
      true,
    );
    expect(ipv4Of(doc.services.alice!, 'site-portland')).toBe('172.29.77.15');
  });
});

describe('compose: the Litware topology', () => {
  const { doc } = generate('litware.yaml');

  it('puts the external user on the internet network with the router', () => {
    expect(doc.networks.internet!.ipam.config[0]!.subnet).toBe('198.51.100.0/24');
    expect(ipv4Of(doc.services.xavier!, 'internet')).toBe('198.51.100.23');
    expect(ipv4Of(doc.services.router!, 'internet')).toBe('198.51.100.1');
    expect(doc.services.xavier!.command?.at(-1)).toBe('198.51.100.1');
  });

  it('gives a second subnet of a site a network of its own (one subnet per bridge network)', () => {
    expect(doc.networks['site-portland-2']!.ipam.config[0]!.subnet).toBe('10.71.108.0/24');
    expect(ipv4Of(doc.services.paula!, 'site-portland-2')).toBe('10.71.108.25');
    expect(doc.services.paula!.command?.at(-1)).toBe('10.71.108.1');
    expect(ipv4Of(doc.services.alice!, 'site-portland')).toBe('172.29.77.15');
  });

  it("widens the Edge's /32 to a range with room for the router and Docker's gateway", () => {
    expect(doc.networks['site-chicago-2']!.ipam.config[0]).toEqual({
      subnet: '131.107.0.8/29',
      gateway: '131.107.0.14',
    });
    expect(ipv4Of(doc.services['edge-chi']!, 'site-chicago-2')).toBe('131.107.0.10');
    expect(ipv4Of(doc.services.router!, 'site-chicago-2')).toBe('131.107.0.9');
  });

  it('has an agent for every host, both Mediation Servers, the sites in scenario order', () => {
    expect(Object.keys(doc.services)).toHaveLength(2 + 2 + 3 + 12 + 1 + 1);
    expect(Object.keys(doc.networks)).toEqual([
      'site-chicago',
      'site-chicago-2',
      'site-newyork',
      'site-detroit',
      'site-portland',
      'site-portland-2',
      'site-reno',
      'site-albuquerque',
      'site-london',
      'site-beijing',
      'internet',
      'pstn',
      'control',
    ]);
    expect(ipv4Of(doc.services['ms-lon']!, 'site-london')).toBe('172.30.1.130');
  });
});

describe('compose: link rates become a token bucket on the router', () => {
  it('shapes both sites of the always-bypass WAN link at its rate and queue', () => {
    const script = routerScript(generate('always-bypass-wan.yaml').doc);
    expect(script).toContain('d=$$(dev 172.28.152.129);');
    expect(script).toContain('d=$$(dev 172.29.77.1);');
    expect(
      script.match(/tc qdisc replace dev "\$\$d" root tbf rate 512kbit burst 1600 latency 60ms/g),
    ).toHaveLength(2);
    expect(script.indexOf('tc qdisc')).toBeLessThan(script.indexOf('touch /tmp/router-ready'));
  });

  it('tells the orchestrator the network shapes the rates, only when a link has one', () => {
    expect(generate('always-bypass-wan.yaml').doc.services.mediapath!.command).toContain(
      '--kernel-rates',
    );
    expect(generate('default.yaml').doc.services.mediapath!.command).not.toContain(
      '--kernel-rates',
    );
  });

  it('shapes every network of both sites of a branch-cac link', () => {
    const text = `${readFileSync(join(scenarioDir, 'branch-cac.yaml'), 'utf8')}
links:
  - between: [Chicago, Portland]
    impairment: { rateKbps: 250 }
`;
    const { doc, result } = generate('branch-cac.yaml', text);
    const script = routerScript(doc);
    // Chicago has two networks (its /25 and the voice mail /24), Portland one.
    for (const routerIp of ['172.28.152.129', '172.28.153.1', '172.29.77.1']) {
      expect(script).toContain(`d=$$(dev ${routerIp});`);
    }
    expect(script.match(/root tbf rate 250kbit burst 1600 latency 100ms/g)).toHaveLength(3);
    const rated = result.ok ? result.plan.networks.filter((n) => n.rateKbps !== null) : [];
    expect(rated.map((n) => n.name)).toEqual(['site-chicago', 'site-chicago-2', 'site-portland']);
    expect(ipv4Of(doc.services.exum!, 'site-chicago-2')).toBe('172.28.153.10');
  });

  it('uses a burst of 10 ms at rates above 1.28 Mbit/s', () => {
    const text = `${readFileSync(join(scenarioDir, 'branch-cac.yaml'), 'utf8')}
links:
  - between: [Chicago, Portland]
    impairment: { rateKbps: 4000, queueMs: 50 }
`;
    expect(routerScript(generate('branch-cac.yaml', text).doc)).toContain(
      'tbf rate 4000kbit burst 5000 latency 50ms',
    );
  });
});

describe('compose: every reference scenario', () => {
  const files = readdirSync(scenarioDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it.each(files)('%s: addresses inside their networks, unique, clear of gateways', (file) => {
    const { doc } = generate(file);
    const placed = Object.entries(doc.services).flatMap(([name, svc]) =>
      Array.isArray(svc.networks)
        ? []
        : Object.entries(svc.networks).flatMap(([net, cfg]) =>
            cfg?.ipv4_address === undefined ? [] : [{ name, net, ip: cfg.ipv4_address }],
          ),
    );
    expect(placed.length).toBeGreaterThan(4);
    const wrong = placed.filter(({ net, ip }) => {
      const n = doc.networks[net]!.ipam.config[0]!;
      return !inSubnet(ip, n.subnet) || ip === n.gateway;
    });
    expect(wrong, 'outside its subnet or on the gateway').toEqual([]);
    const keys = placed.map(({ net, ip }) => `${net} ${ip}`);
    expect(new Set(keys).size, 'an address used twice').toBe(keys.length);
    const agents = Object.entries(doc.services).filter(
      ([name]) => name !== 'mediapath' && name !== 'router',
    );
    const router = doc.services.router!;
    const badVia = agents.filter(([, svc]) => {
      const via = svc.command?.at(-1);
      const nets = Object.keys(svc.networks);
      return !nets.includes('control') || !nets.some((net) => ipv4Of(router, net) === via);
    });
    expect(
      badVia.map(([name]) => name),
      '--via not the router on its network',
    ).toEqual([]);
    // Agents join the orchestrator by its address on control, and the PSTN's range is on no
    // Docker network.
    const control = ipv4Of(doc.services.mediapath!, 'control');
    expect(agents.every(([, svc]) => svc.command?.[2] === `${control}:7000`)).toBe(true);
    expect(
      Object.keys(doc.networks).filter((n) =>
        inSubnet(PSTN_IP, doc.networks[n]!.ipam.config[0]!.subnet),
      ),
    ).toEqual([]);
  });
});

describe('compose: scenarios that cannot be deployed', () => {
  const base = (hosts: string, subnets = ''): string => `
network:
  sites: [{ name: A }]
  subnets:
    - { subnet: 10.1.0.0, maskBits: 24, site: A }
${subnets}
hosts:
${hosts}
`;
  const compose = (text: string): ComposeResult => {
    const s = load(text);
    return composeFor(s, new Topology(s), {
      scenario: { inImage: 'scenarios/x.yaml' },
      buildContext: '.',
      command: 'mediapath compose',
    });
  };

  it('lists every problem at once: the PSTN range, a subnet with no room, a reserved name', () => {
    const r = compose(
      base(
        `  clients:
    - { name: router, ip: 10.1.0.5, maskBits: 24 }
    - { name: tn, ip: 192.0.2.7, maskBits: 24 }
    - { name: tiny, ip: 10.2.0.1, maskBits: 32 }`,
        `    - { subnet: 10.2.0.1, maskBits: 32, site: A }
    - { subnet: 10.2.0.0, maskBits: 32, site: A }
    - { subnet: 192.0.2.0, maskBits: 24, site: A }`,
      ),
    );
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems).toEqual([
      expect.stringContaining('host router: its service name "router"'),
      expect.stringContaining("tn: 192.0.2.7 is in 192.0.2.0/24, the PSTN's range"),
      expect.stringContaining(
        "10.2.0.1/32 (tiny) has no room for the router and Docker's gateway, and 10.2.0.0/31 would overlap 10.2.0.0/32",
      ),
    ]);
  });

  it('refuses a host whose service would be the router', () => {
    const r = compose(base(`  clients:\n    - { name: router, ip: 10.1.0.5, maskBits: 24 }`));
    expect(r.ok ? [] : r.problems).toEqual([
      expect.stringContaining('host router: its service name "router" is the deployment\'s own'),
    ]);
  });

  it("refuses a host on a subnet's network or broadcast address", () => {
    const r = compose(base(`  clients:\n    - { name: a, ip: 10.1.0.255, maskBits: 24 }`));
    expect(r.ok ? [] : r.problems).toEqual([
      'a: 10.1.0.255 is the broadcast address of 10.1.0.0/24; Docker cannot give it to a container',
    ]);
  });

  it('chooses the router and gateway around addresses the hosts use', () => {
    const r = compose(
      base(`  clients:
    - { name: a, ip: 10.1.0.1, maskBits: 24 }
    - { name: b, ip: 10.1.0.254, maskBits: 24 }`),
    );
    const net = r.ok ? r.plan.networks.find((n) => n.name === 'site-a') : undefined;
    expect(net).toMatchObject({ subnet: '10.1.0.0/24', router: '10.1.0.2', gateway: '10.1.0.253' });
  });
});

describe('compose: where the scenario comes from', () => {
  it('reads a scenario of the package from the image, relative to the output folder', () => {
    const o = composeOptionsFor(
      join(scenarioDir, 'litware.yaml'),
      join(root, 'out', 'dc.yml'),
      true,
      root,
    );
    expect(o.scenario).toEqual({ inImage: 'scenarios/litware.yaml' });
    expect(o.buildContext).toBe('..');
    expect(o.command).toBe('mediapath compose scenarios/litware.yaml -o out/dc.yml');
  });

  it("mounts any other scenario read-only, by a path relative to the compose file's folder", () => {
    const o = composeOptionsFor('/srv/labs/my.yaml', '/srv/labs/deploy/dc.yml', true, '/srv/labs');
    expect(o.scenario).toEqual({ mount: '../my.yaml' });
    const { scenario } = scenarioFile('default.yaml');
    const r = composeFor(scenario, new Topology(scenario), o);
    const doc = parse(r.ok ? r.yaml : '') as ComposeDoc;
    expect(doc.services.mediapath!.volumes).toEqual(['../my.yaml:/app/mounted/my.yaml:ro']);
    expect(doc.services.mediapath!.command?.at(-1)).toBe('/app/mounted/my.yaml');
    const here = composeOptionsFor('/srv/labs/my.yaml', null, true, '/srv/labs');
    expect(here.scenario).toEqual({ mount: './my.yaml' });
  });
});
