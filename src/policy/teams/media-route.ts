/**
 * How a Teams client's media reaches a Direct Routing SBC (docs/rules.md g.4, g.5): whether the
 * client counts as inside the corporate network (its public address among the tenant's
 * trusted IPs, g.5), and, with media bypass, the SBC address it is given and what lies between:
 * a Transport Relay for a client outside (ICE on the client, ICE-lite on the SBC, g.4), and
 * under Local Media Optimization the SBC's internal address for internal users (`Always`, or
 * `OnlyForLocalUsers` in the SBC's own site) or the proxy SBC for the others. Pure lookups over
 * the topology; it must not know the flows, CAC or the ledger.
 */
import { containsIp, parseIpv4 } from '../../core/index.js';
import type { Client, Gateway, TeamsSbc } from '../../scenario/index.js';
import type { Topology } from '../../topology/index.js';

/** The SBC settings of a gateway that the scenario does not configure: `-MediaBypass` off. */
export function sbcSettings(topo: Topology, gw: Gateway): TeamsSbc {
  return (
    topo.teamsSbc(gw.name) ?? {
      gateway: gw.name,
      mediaBypass: false,
      bypassMode: null,
      proxySbc: null,
      gatewaySite: null,
      internalIp: gw.mediaIp,
      publicIp: null,
    }
  );
}

/**
 * g.5: a client is inside the corporate network when its public address is one of the
 * tenant's trusted IPs; without trusted IPs or a public address, its `location` says.
 */
export function clientIsInternal(topo: Topology, client: Client): boolean {
  const trusted = topo.scenario.teamsDirectRouting.trustedIps;
  if (trusted.length === 0 || client.publicIp === null) {
    return client.location === 'internal';
  }
  const ip = parseIpv4(client.publicIp);
  return trusted.some((t) => containsIp(parseIpv4(t.ip), t.maskBits, ip));
}

/** The way from a client to an SBC with media bypass (g.4, g.5). */
export interface SbcRoute {
  /** The SBC address the client is given. */
  readonly sbcAddress: 'internal' | 'public';
  /** The Transport Relay the media goes through (a client outside), else null. */
  readonly transportRelay: string | null;
  /** The proxy SBC the media goes through (LMO, a user it does not serve directly), else null. */
  readonly proxySbc: string | null;
  /** Why, in one sentence, for the trace. */
  readonly why: string;
}

/** The route of a bypassed call between a client and an SBC. */
export function sbcRoute(
  topo: Topology,
  sbc: TeamsSbc,
  gw: Gateway,
  client: Client,
  internal: boolean,
): SbcRoute {
  const relay = topo.scenario.teamsDirectRouting.transportRelays[0]?.name ?? null;
  const proxy = sbc.proxySbc;
  if (sbc.bypassMode === null) {
    return internal
      ? {
          sbcAddress: 'public',
          transportRelay: null,
          proxySbc: null,
          why: `${client.name} is inside and reaches ${gw.name}'s address directly (ICE on the client, ICE-lite on the SBC)`,
        }
      : {
          sbcAddress: 'public',
          transportRelay: relay,
          proxySbc: null,
          why: `${client.name} is outside: its media reaches ${gw.name}'s public address through the Transport Relay ${relay ?? '?'} (no transcoding; still bypass)`,
        };
  }
  if (!internal) {
    return {
      sbcAddress: 'public',
      transportRelay: relay,
      proxySbc: proxy,
      why: `LMO: ${client.name} is outside (its address is not a trusted IP): it gets the public address of ${proxy ?? gw.name}, through the Transport Relay ${relay ?? '?'}`,
    };
  }
  const clientSite = topo.siteOfHost(client)?.name ?? null;
  const sbcSite = sbc.gatewaySite ?? topo.siteOfHost(gw)?.name ?? null;
  const local = clientSite !== null && clientSite === sbcSite;
  if (sbc.bypassMode === 'Always' || local) {
    return {
      sbcAddress: 'internal',
      transportRelay: null,
      proxySbc: null,
      why: `LMO ${sbc.bypassMode}: ${client.name} is inside${local ? ` and in ${gw.name}'s site ${sbcSite ?? '?'}` : ''}: it gets ${gw.name}'s internal address ${sbc.internalIp}`,
    };
  }
  return {
    sbcAddress: proxy ? 'internal' : 'public',
    transportRelay: null,
    proxySbc: proxy,
    why: `LMO OnlyForLocalUsers: ${client.name} is inside but in site ${clientSite ?? '?'}, not ${gw.name}'s site ${sbcSite ?? '?'}: ${proxy ? `its media goes through the proxy SBC ${proxy}` : `it gets ${gw.name}'s public address`}`,
  };
}
