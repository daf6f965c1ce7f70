/**
 * Which bypass ID a client or a gateway peer has, and why (docs/rules.md b.1#10-#11, b.4): each
 * answer names the rule that gave the ID, the configured subnet that matched and that
 * subnet's site, so that a caller can explain it in its own words. Pure lookups over a
 * {@link Topology}; this file knows nothing of calls, decisions, rule traces or the ledger.
 */
import { formatIpv4, networkOf, parseIpv4 } from '../core/index.js';
import type { Client, Gateway, SimulationSettings, Site, Subnet } from '../scenario/index.js';
import type { BypassId, Topology } from './topology.js';

/**
 * Where a bypass ID came from:
 * - `always-bypass`: AlwaysBypass is on, every subnet has the single system-wide ID (b.1 #10);
 * - `site`: the matched subnet's site (b.4), which may still have no ID (a site without a
 *   region, a.4);
 * - `default`: no site was found and EnableDefaultBypassID gives the global ID (a.2);
 * - `none`: no site was found and there is no default ID.
 */
export type BypassIdSource = 'always-bypass' | 'site' | 'default' | 'none';

/** A bypass ID and how it was assigned. */
export interface BypassIdAssignment {
  /** The ID, or null when the endpoint has none (then it never bypasses, b.1 #12). */
  readonly bypassId: BypassId | null;
  readonly source: BypassIdSource;
  /** The configured subnet that matched; null under AlwaysBypass or when none matched. */
  readonly subnet: Subnet | null;
  /** The matched subnet's site; null when it has none (an unmapped subnet) or none matched. */
  readonly site: Site | null;
}

/** A client's bypass ID (b.1 #10), with the own subnet it was looked up by. */
export interface ClientBypassIdAssignment extends BypassIdAssignment {
  /** The client's own subnet, `ip & mask / maskBits` (for example `172.29.77.0/24`). */
  readonly ownSubnet: string;
}

/** A gateway peer's bypass ID (b.1 #11), with the subnet match rule used (A3). */
export interface GatewayBypassIdAssignment extends BypassIdAssignment {
  /** `containment` (longest prefix, the default) or `exact` (a /32 subnet), per A3. */
  readonly match: SimulationSettings['gatewaySubnetMatch'];
}

/**
 * The bypass ID a client is provisioned with at sign-in (b.1 #10, a.2 client-side view): the
 * global ID under AlwaysBypass; else the ID of the site of the configured subnet that is
 * exactly the client's own subnet (no containment match); else the default ID when
 * EnableDefaultBypassID is on; else none.
 */
export function clientBypassId(topo: Topology, client: Client): ClientBypassIdAssignment {
  const mb = topo.scenario.networkConfiguration.mediaBypassSettings;
  const ownSubnet = `${formatIpv4(networkOf(parseIpv4(client.ip), client.maskBits))}/${client.maskBits}`;
  if (mb.alwaysBypass) {
    return {
      bypassId: topo.globalBypassId(),
      source: 'always-bypass',
      subnet: null,
      site: null,
      ownSubnet,
    };
  }
  const subnet = topo.exactSubnet(client.ip, client.maskBits) ?? null;
  const site = subnet ? (topo.site(subnet.site) ?? null) : null;
  if (site) {
    return { bypassId: topo.siteBypassId(site), source: 'site', subnet, site, ownSubnet };
  }
  const fallback = mb.enableDefaultBypassId ? topo.globalBypassId() : null;
  return {
    bypassId: fallback,
    source: fallback ? 'default' : 'none',
    subnet,
    site: null,
    ownSubnet,
  };
}

/**
 * The bypass ID of a gateway peer (b.1 #11), as the Mediation Server offers it: the global ID
 * under AlwaysBypass; else the ID of the site of the configured subnet holding the gateway's
 * media address (by containment, longest prefix, or as an exact /32 subnet, per the
 * `gatewaySubnetMatch` setting, A3); else the default ID when EnableDefaultBypassID is on;
 * else none.
 */
export function gatewayBypassId(topo: Topology, gateway: Gateway): GatewayBypassIdAssignment {
  const mb = topo.scenario.networkConfiguration.mediaBypassSettings;
  const match = topo.scenario.simulation.gatewaySubnetMatch;
  if (mb.alwaysBypass) {
    return {
      bypassId: topo.globalBypassId(),
      source: 'always-bypass',
      subnet: null,
      site: null,
      match,
    };
  }
  const subnet =
    (match === 'exact'
      ? topo.exactSubnet(gateway.mediaIp, 32)
      : topo.containingSubnet(gateway.mediaIp)) ?? null;
  const site = subnet ? (topo.site(subnet.site) ?? null) : null;
  if (site) {
    return { bypassId: topo.siteBypassId(site), source: 'site', subnet, site, match };
  }
  const fallback = mb.enableDefaultBypassId ? topo.globalBypassId() : null;
  return { bypassId: fallback, source: fallback ? 'default' : 'none', subnet, site: null, match };
}
