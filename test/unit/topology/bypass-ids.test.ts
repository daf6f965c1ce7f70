import { describe, expect, it } from 'vitest';
import type { Client, Gateway } from '../../../src/scenario/index.js';
import {
  clientBypassId,
  gatewayBypassId,
  nearestEdge,
  type Topology,
} from '../../../src/topology/index.js';
import { litware, ScenarioBuilder } from '../../support/scenario-builder.js';

function client(topo: Topology, name: string): Client {
  const c = topo.client(name);
  if (!c) {
    throw new Error(`no client ${name}`);
  }
  return c;
}

function gateway(topo: Topology, name: string): Gateway {
  const g = topo.gateway(name);
  if (!g) {
    throw new Error(`no gateway ${name}`);
  }
  return g;
}

describe('clientBypassId', () => {
  const topo = litware().topology();

  it('b.1#10 a client on a configured subnet gets its site ID (b.4 #29 constrained site)', () => {
    const a = clientBypassId(topo, client(topo, 'alice'));
    expect(a.source).toBe('site');
    expect(a.site?.name).toBe('Portland');
    expect(a.subnet?.subnet).toBe('172.29.77.0');
    expect(a.ownSubnet).toBe('172.29.77.0/24');
    expect(a.bypassId).toEqual(topo.siteBypassId(topo.site('Portland')!));
    expect(a.bypassId?.source).toBe('site Portland (auto, constrained uplink)');
  });

  it('b.4 #28 a client of an unconstrained site gets the region ID', () => {
    const a = clientBypassId(topo, client(topo, 'bob'));
    expect(a.site?.name).toBe('Chicago');
    expect(a.bypassId?.source).toBe('region NorthAmerica (auto)');
  });

  it('b.1#10 the own subnet must be configured exactly: no containment match', () => {
    // ivan is 172.29.81.140/25: his own subnet 172.29.81.128/25 is not configured, although
    // 172.29.81.0/24 (New York) contains his address.
    const a = clientBypassId(topo, client(topo, 'ivan'));
    expect(a).toMatchObject({ bypassId: null, source: 'none', subnet: null, site: null });
    expect(a.ownSubnet).toBe('172.29.81.128/25');
  });

  it('a.2 EnableDefaultBypassID gives an unmatched client the global ID', () => {
    const t = litware().bypass({ enableDefaultBypassId: true }).topology();
    const a = clientBypassId(t, client(t, 'ivan'));
    expect(a.source).toBe('default');
    expect(a.bypassId).toEqual(t.globalBypassId());
  });

  it('a.5 a configured subnet without a site is unmapped: no site, default or none', () => {
    const b = new ScenarioBuilder()
      .add('network.subnets', { subnet: '10.9.0.0', maskBits: 24 })
      .add('hosts.clients', { name: 'una', ip: '10.9.0.5', maskBits: 24 });
    const t = b.topology();
    const a = clientBypassId(t, client(t, 'una'));
    expect(a).toMatchObject({ bypassId: null, source: 'none', site: null });
    expect(a.subnet?.subnet).toBe('10.9.0.0');
  });

  it('b.1#10 AlwaysBypass: the single system-wide ID, no subnet looked up', () => {
    const t = litware().cac(false).bypass({ alwaysBypass: true }).topology();
    const a = clientBypassId(t, client(t, 'ivan'));
    expect(a).toMatchObject({ source: 'always-bypass', subnet: null, site: null });
    expect(a.bypassId).toEqual(t.globalBypassId());
  });
});

describe('gatewayBypassId', () => {
  const topo = litware().topology();

  it('b.1#11 the containing subnet of the media address gives the site (A3 containment)', () => {
    const g = gatewayBypassId(topo, gateway(topo, 'gw-por'));
    expect(g).toMatchObject({ source: 'site', match: 'containment' });
    expect(g.site?.name).toBe('Portland');
    expect(g.subnet?.subnet).toBe('172.29.77.0');
    expect(g.bypassId).toEqual(clientBypassId(topo, client(topo, 'alice')).bypassId);
  });

  it('A3 exact: only a /32 subnet of the media address counts', () => {
    const t = litware().simulation({ gatewaySubnetMatch: 'exact' }).topology();
    const g = gatewayBypassId(t, gateway(t, 'gw-por'));
    expect(g).toMatchObject({ bypassId: null, source: 'none', subnet: null, match: 'exact' });
  });

  it('a.2 a gateway in no subnet gets the default ID when EnableDefaultBypassID is on', () => {
    const b = litware().bypass({ enableDefaultBypassId: true }).add('hosts.gateways', {
      name: 'gw-far',
      kind: 'pstn-gateway',
      ip: '192.0.2.10',
      mediationServer: 'ms-chi',
    });
    const t = b.topology();
    const g = gatewayBypassId(t, gateway(t, 'gw-far'));
    expect(g).toMatchObject({ source: 'default', subnet: null, site: null });
    expect(g.bypassId).toEqual(t.globalBypassId());
  });

  it('b.1#11 AlwaysBypass: the single system-wide ID', () => {
    const t = litware().cac(false).bypass({ alwaysBypass: true }).topology();
    const g = gatewayBypassId(t, gateway(t, 'gw-lon'));
    expect(g).toMatchObject({ source: 'always-bypass', subnet: null, site: null });
    expect(g.bypassId).toEqual(t.globalBypassId());
  });
});

describe('nearestEdge', () => {
  const twoEdges = (): Topology =>
    litware()
      .add('network.subnets', { subnet: '131.107.1.10', maskBits: 32, site: 'London' })
      .add('hosts.edges', { name: 'edge-lon', ip: '131.107.1.10', site: 'London' })
      .topology();

  it('c.5#18 prefers an Edge in the same site', () => {
    const t = twoEdges();
    expect(nearestEdge(t, t.site('London'))?.name).toBe('edge-lon');
    expect(nearestEdge(t, t.site('Chicago'))?.name).toBe('edge-chi');
  });

  it('c.5#18 else an Edge in the same region', () => {
    const t = twoEdges();
    expect(nearestEdge(t, t.site('Cologne'))?.name).toBe('edge-lon');
    expect(nearestEdge(t, t.site('Portland'))?.name).toBe('edge-chi');
  });

  it('c.5#18 else, or without a site, the first Edge of the scenario', () => {
    const t = twoEdges();
    expect(nearestEdge(t, t.site('Beijing'))?.name).toBe('edge-chi');
    expect(nearestEdge(t, null)?.name).toBe('edge-chi');
  });

  it('is null when the scenario has no Edge', () => {
    const t = new ScenarioBuilder().topology();
    expect(nearestEdge(t, t.site('Chicago'))).toBeNull();
  });
});
