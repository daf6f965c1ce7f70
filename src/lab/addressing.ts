/**
 * The addresses of a run's hosts: loopback addresses (127.77.x.y) in the one-process mode, the
 * scenario's own IPs in the network-namespace and container modes, and the way back from an
 * address to a host. The deploy layer imports it too.
 *
 * It must not know SIP, media, policy or how a run goes: only the scenario's hosts and their
 * IPs.
 */
import { InternalError } from '../core/index.js';
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
 * Every scenario host's own addresses, in scenario order: a Mediation Server's client-facing
 * and gateway-facing IPs, a gateway's media IP, every other host's IP (the PSTN not included).
 */
export function scenarioHostIps(
  s: Scenario,
): { readonly host: string; readonly ip: string; readonly role: string }[] {
  const out: { host: string; ip: string; role: string }[] = [];
  for (const m of s.hosts.mediationServers) {
    out.push({ host: m.name, ip: m.clientIp, role: 'client-side' });
    out.push({ host: m.name, ip: m.gatewayIp, role: 'gateway-side' });
  }
  for (const g of s.hosts.gateways) {
    out.push({ host: g.name, ip: g.mediaIp, role: g.kind });
  }
  for (const c of s.hosts.clients) {
    out.push({ host: c.name, ip: c.ip, role: 'client' });
  }
  for (const e of s.hosts.edges) {
    out.push({ host: e.name, ip: e.ip, role: 'edge' });
  }
  for (const v of s.hosts.voicemail) {
    out.push({ host: v.name, ip: v.ip, role: 'voicemail' });
  }
  return out;
}

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
  for (const h of scenarioHostIps(s)) {
    entries.push({ host: h.host, address: next(), scenarioIp: h.ip, role: h.role });
  }
  entries.push({ host: PSTN_HOST, address: next(), scenarioIp: PSTN_IP, role: 'pstn' });
  // Under Teams Direct Routing the cloud relays are hosts of the run too (loopback mode only).
  if (s.deployment.kind === 'teams-direct-routing') {
    const t = s.teamsDirectRouting;
    for (const r of [...t.mediaProcessors, ...t.transportRelays]) {
      entries.push({ host: r.name, address: next(), scenarioIp: r.ip, role: r.kind });
    }
  }
  return addressingOf(entries, 'loopback address');
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
  for (const h of scenarioHostIps(s)) {
    add(h.host, h.ip, h.role);
  }
  add(PSTN_HOST, PSTN_IP, 'pstn');
  return addressingOf(entries, 'address');
}

/** Lookups over a run's address entries (the first entry of an address names its host). */
function addressingOf(entries: Addressing['entries'], what: string): Addressing {
  const byHost = new Map<string, string[]>();
  const byAddress = new Map<string, { host: string; scenarioIp: string }>();
  for (const e of entries) {
    byHost.set(e.host, [...(byHost.get(e.host) ?? []), e.address]);
    if (!byAddress.has(e.address)) {
      byAddress.set(e.address, { host: e.host, scenarioIp: e.scenarioIp });
    }
  }
  const nth = (host: string, i: number): string => {
    const list = byHost.get(host);
    const a = list?.[Math.min(i, list.length - 1)];
    if (a === undefined) {
      throw new InternalError(`no ${what} for host ${host}`);
    }
    return a;
  };
  return {
    entries,
    addressOf: (host) => nth(host, 0),
    gatewaySideOf: (host) => nth(host, 1),
    hostOf: (address) => byAddress.get(address)?.host ?? null,
    scenarioIpOf: (address) => byAddress.get(address)?.scenarioIp ?? null,
  };
}

/** The hosts of a run (every scenario host and the PSTN), each once, in scenario order. */
export function runHosts(a: Addressing): string[] {
  return [...new Set(a.entries.map((e) => e.host))];
}
