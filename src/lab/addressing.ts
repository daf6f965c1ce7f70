import type { Scenario } from '../scenario/index.js';

/** The loopback addresses of a run's hosts, and the way back from an address to a host. */
export interface Addressing {
  /** The host's (first) loopback address; a Mediation Server's client-facing one. */
  addressOf(host: string): string;
  /** A Mediation Server's gateway-facing loopback address. */
  gatewaySideOf(host: string): string;
  /** The host bound to a loopback address, or null. */
  hostOf(address: string): string | null;
  /** The scenario IP a loopback address stands for (policy still runs on scenario IPs). */
  scenarioIpOf(address: string): string | null;
  readonly entries: readonly { host: string; address: string; scenarioIp: string; role: string }[];
}

/** The pseudo-host that carries re-routed calls between gateways. */
export const PSTN_HOST = 'pstn';

/**
 * Gives every host its own loopback address, 127.<base>.<i>.<j>, in scenario order; the
 * scenario's own IPs still drive policy. Ports come from the OS, so two runs may share
 * addresses without colliding.
 */
export function assignLoopback(s: Scenario, base = 77): Addressing {
  const entries: { host: string; address: string; scenarioIp: string; role: string }[] = [];
  let n = 1;
  const next = (): string => {
    const a = `127.${base}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    n++;
    return a;
  };
  for (const m of s.hosts.mediationServers) {
    entries.push({ host: m.name, address: next(), scenarioIp: m.clientIp, role: 'client-side' });
    entries.push({ host: m.name, address: next(), scenarioIp: m.gatewayIp, role: 'gateway-side' });
  }
  for (const g of s.hosts.gateways) {
    entries.push({ host: g.name, address: next(), scenarioIp: g.mediaIp, role: g.kind });
  }
  for (const c of s.hosts.clients) {
    entries.push({ host: c.name, address: next(), scenarioIp: c.ip, role: 'client' });
  }
  for (const e of s.hosts.edges) {
    entries.push({ host: e.name, address: next(), scenarioIp: e.ip, role: 'edge' });
  }
  for (const v of s.hosts.voicemail) {
    entries.push({ host: v.name, address: next(), scenarioIp: v.ip, role: 'voicemail' });
  }
  entries.push({ host: PSTN_HOST, address: next(), scenarioIp: '0.0.0.0', role: 'pstn' });
  const byHost = new Map<string, string[]>();
  const byAddress = new Map<string, { host: string; scenarioIp: string }>();
  for (const e of entries) {
    byHost.set(e.host, [...(byHost.get(e.host) ?? []), e.address]);
    byAddress.set(e.address, { host: e.host, scenarioIp: e.scenarioIp });
  }
  const first = (host: string, i: number): string => {
    const list = byHost.get(host);
    const a = list?.[Math.min(i, list.length - 1)];
    if (a === undefined) {
      throw new TypeError(`no loopback address for host ${host}`);
    }
    return a;
  };
  return {
    entries,
    addressOf: (host) => first(host, 0),
    gatewaySideOf: (host) => first(host, 1),
    hostOf: (address) => byAddress.get(address)?.host ?? null,
    scenarioIpOf: (address) => byAddress.get(address)?.scenarioIp ?? null,
  };
}

/**
 * The PSTN pseudo-host's address in the multi-process modes, where every host has a real IP:
 * 192.0.2.1 from TEST-NET-1 (RFC 5737), reserved for documentation and so never a real host's.
 */
export const PSTN_IP = '192.0.2.1';

/**
 * The scenario's own IPs as the run's addresses (network-namespace and container modes, where
 * every host binds its real address): a Mediation Server's client-facing and gateway-facing
 * IPs, a gateway's media IP, every other host's IP, and `PSTN_IP` for the PSTN.
 */
export function scenarioAddressing(s: Scenario): Addressing {
  const entries: { host: string; address: string; scenarioIp: string; role: string }[] = [];
  const add = (host: string, ip: string, role: string): void => {
    entries.push({ host, address: ip, scenarioIp: ip, role });
  };
  for (const m of s.hosts.mediationServers) {
    add(m.name, m.clientIp, 'client-side');
    add(m.name, m.gatewayIp, 'gateway-side');
  }
  for (const g of s.hosts.gateways) {
    add(g.name, g.mediaIp, g.kind);
  }
  for (const c of s.hosts.clients) {
    add(c.name, c.ip, 'client');
  }
  for (const e of s.hosts.edges) {
    add(e.name, e.ip, 'edge');
  }
  for (const v of s.hosts.voicemail) {
    add(v.name, v.ip, 'voicemail');
  }
  add(PSTN_HOST, PSTN_IP, 'pstn');
  const byHost = new Map<string, string[]>();
  const byAddress = new Map<string, string>();
  for (const e of entries) {
    byHost.set(e.host, [...(byHost.get(e.host) ?? []), e.address]);
    if (!byAddress.has(e.address)) {
      byAddress.set(e.address, e.host);
    }
  }
  const nth = (host: string, i: number): string => {
    const list = byHost.get(host);
    const a = list?.[Math.min(i, list.length - 1)];
    if (a === undefined) {
      throw new TypeError(`no address for host ${host}`);
    }
    return a;
  };
  return {
    entries,
    addressOf: (host) => nth(host, 0),
    gatewaySideOf: (host) => nth(host, 1),
    hostOf: (address) => byAddress.get(address) ?? null,
    scenarioIpOf: (address) => (byAddress.has(address) ? address : null),
  };
}

/** The hosts of a run (every scenario host and the PSTN), each once, in scenario order. */
export function runHosts(a: Addressing): string[] {
  return [...new Set(a.entries.map((e) => e.host))];
}
