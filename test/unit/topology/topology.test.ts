import { describe, expect, it } from 'vitest';
import type { Site } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';
import { litware, ScenarioBuilder } from '../../support/scenario-builder.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function site(topo: Topology, name: string): Site {
  const s = topo.site(name);
  if (!s) {
    throw new Error(`no site ${name}`);
  }
  return s;
}

function idOf(topo: Topology, name: string): string | undefined {
  return topo.siteBypassId(site(topo, name))?.id;
}

function linkIds(topo: Topology, a: string, b: string): string[] {
  const p = topo.path(site(topo, a), site(topo, b));
  if (!p.ok) {
    throw new Error(`no path ${a} -> ${b}: ${p.reason}`);
  }
  return p.links.map((l) => l.id);
}

describe('subnet lookups', () => {
  // Nested prefixes (A17): legal, and the loader only warns about them.
  const builder = new ScenarioBuilder()
    .add('network.subnets', { subnet: '172.29.0.0', maskBits: 16, site: 'Chicago' })
    .add('network.subnets', { subnet: '172.29.81.0', maskBits: 24, site: 'Portland' });
  const topo = builder.topology();

  it('A17 nested subnets load, with a warning', () => {
    const r = builder.load();
    expect(r.ok).toBe(true);
    expect(r.ok && r.warnings.map((w) => w.message)).toEqual([
      '172.29.81.0/24 is nested in 172.29.0.0/16 (network.subnets[2]): bypass uses only exact matches (b.1#10), CAC the longest prefix (c.1#1)',
    ]);
  });

  it('b.1#10 exactSubnet matches only the prefix of the given length, never a containing one', () => {
    expect(topo.exactSubnet('172.29.81.20', 24)?.site).toBe('Portland');
    expect(topo.exactSubnet('172.29.5.9', 16)?.subnet).toBe('172.29.0.0');
    // The doc's own example: a configured /16 does not match a client on a /24 inside it.
    expect(topo.exactSubnet('172.29.82.20', 24)).toBeUndefined();
    expect(topo.exactSubnet('172.29.81.140', 25)).toBeUndefined();
    expect(topo.exactSubnet('not-an-ip', 24)).toBeUndefined();
  });

  it('c.1#1 containingSubnet is the longest configured prefix that contains the address', () => {
    expect(topo.containingSubnet('172.29.81.140')?.maskBits).toBe(24);
    expect(topo.containingSubnet('172.29.82.20')?.maskBits).toBe(16);
    expect(topo.containingSubnet('192.0.2.1')).toBeUndefined();
  });

  it('c.1#1 locate gives subnet, site and region, or null for an unmapped address', () => {
    const loc = topo.locate('172.29.82.20');
    expect(loc?.site?.name).toBe('Chicago');
    expect(loc?.region?.name).toBe('NorthAmerica');
    expect(topo.locate('192.0.2.1')).toBeNull();
  });

  it('c.1#1 a validated super-subnet locates an address inside it that has no exact subnet', () => {
    const t = new ScenarioBuilder()
      .add('network.subnets', { subnet: '172.16.0.0', maskBits: 12, site: 'Portland' })
      .topology();
    expect(t.exactSubnet('172.20.1.5', 24)).toBeUndefined();
    expect(t.locate('172.20.1.5')?.site?.name).toBe('Portland');
  });

  it('c.1#1 an address in a subnet without a site is located with a null site', () => {
    const t = new ScenarioBuilder()
      .add('network.subnets', { subnet: '10.9.0.0', maskBits: 24 })
      .topology();
    const loc = t.locate('10.9.0.1');
    expect(loc?.subnet.subnet).toBe('10.9.0.0');
    expect(loc?.site).toBeNull();
    expect(loc?.region).toBeNull();
  });
});

describe('bypass IDs on Litware (b.4)', () => {
  const topo = litware().topology();
  const na = ['Chicago', 'NewYork', 'Detroit'];
  const all = [
    'Chicago',
    'NewYork',
    'Detroit',
    'Portland',
    'Reno',
    'Albuquerque',
    'London',
    'Cologne',
    'Beijing',
    'Manila',
  ];

  it('b.4#28 Chicago, NewYork and Detroit (unconstrained) share the NorthAmerica region ID', () => {
    const ids = na.map((s) => idOf(topo, s));
    expect(ids[0]).toMatch(GUID);
    expect(new Set(ids).size).toBe(1);
    expect(topo.siteBypassId(site(topo, 'NewYork'))?.source).toContain('region NorthAmerica');
  });

  it('b.4#29 Portland, Reno and Albuquerque (constrained) each get a unique ID', () => {
    const ids = ['Portland', 'Reno', 'Albuquerque'].map((s) => idOf(topo, s));
    expect(new Set([...ids, idOf(topo, 'Chicago')]).size).toBe(4);
    for (const id of ids) {
      expect(id).toMatch(GUID);
    }
  });

  it('b.4#27 each region gets one unique ID', () => {
    const regionIds = ['Chicago', 'London', 'Beijing'].map((s) => idOf(topo, s));
    expect(new Set(regionIds).size).toBe(3);
  });

  it('b.4#31 no bypass ID is shared across regions', () => {
    const byRegion = new Map<string, Set<string>>();
    for (const name of all) {
      const s = site(topo, name);
      const set = byRegion.get(s.region ?? '') ?? new Set<string>();
      set.add(idOf(topo, name) ?? '');
      byRegion.set(s.region ?? '', set);
    }
    const sets = [...byRegion.values()];
    expect(sets).toHaveLength(3);
    for (let i = 0; i < sets.length; i++) {
      for (let j = i + 1; j < sets.length; j++) {
        expect([...sets[i]!].filter((id) => sets[j]!.has(id))).toEqual([]);
      }
    }
  });

  it('b.4#34 the Reno-Albuquerque inter-site policy does not change their IDs', () => {
    const without = litware().remove('network.interSitePolicies', 'Reno_Albuquerque').topology();
    expect(idOf(without, 'Reno')).toBe(idOf(topo, 'Reno'));
    expect(idOf(without, 'Albuquerque')).toBe(idOf(topo, 'Albuquerque'));
    expect(idOf(topo, 'Reno')).not.toBe(idOf(topo, 'Albuquerque'));
  });

  it('b.4#32 a configured site ID wins; a configured region ID applies to unconstrained sites only', () => {
    const forced = '11111111-2222-4333-8444-555555555555';
    const regionId = '99999999-2222-4333-8444-555555555555';
    const t = litware()
      .patch('network.sites', 'Portland', { bypassId: forced })
      .region('NorthAmerica', { bypassId: regionId })
      .topology();
    expect(idOf(t, 'Portland')).toBe(forced);
    expect(idOf(t, 'Chicago')).toBe(regionId);
    expect(idOf(t, 'Reno')).not.toBe(regionId);
    expect(idOf(t, 'Reno')).toMatch(GUID);
  });

  it('b.4#32 a site without a region gets no bypass ID', () => {
    const t = new ScenarioBuilder().cac(false).add('network.sites', { name: 'Lab' }).topology();
    expect(t.siteBypassId(site(t, 'Lab'))).toBeNull();
  });
});

describe('paths between sites (c.2)', () => {
  const topo = litware().topology();

  it('c.2#5 the same site has no link on its path', () => {
    expect(linkIds(topo, 'Portland', 'Portland')).toEqual([]);
  });

  it('c.2#6 a constrained site puts its uplink on the path; an unconstrained one does not', () => {
    expect(linkIds(topo, 'Portland', 'Chicago')).toEqual(['site:Portland']);
    expect(linkIds(topo, 'Chicago', 'NewYork')).toEqual([]);
    expect(linkIds(topo, 'Portland', 'Reno').sort()).toEqual(['site:Portland', 'site:Reno']);
  });

  it('c.2#7 NorthAmerica-APAC goes over both region links, in route order', () => {
    expect(linkIds(topo, 'NewYork', 'Beijing')).toEqual([
      'region-link:NA-EMEA-LINK',
      'region-link:EMEA-APAC-LINK',
    ]);
    expect(linkIds(topo, 'Portland', 'Manila')).toEqual([
      'site:Portland',
      'region-link:NA-EMEA-LINK',
      'region-link:EMEA-APAC-LINK',
      'site:Manila',
    ]);
  });

  it('c.2#7 two regions without a route have no path', () => {
    const t = new ScenarioBuilder()
      .cac(false)
      .add('network.regions', { name: 'EMEA' })
      .add('network.sites', { name: 'London', region: 'EMEA' })
      .topology();
    const p = t.path(site(t, 'Chicago'), site(t, 'London'));
    expect(p.ok).toBe(false);
    expect(p.ok ? null : p.reason).toBe('no-route');
  });

  it('c.2#8 A4 add (default): Reno-Albuquerque uses both uplinks and the inter-site link', () => {
    expect(topo.scenario.simulation.interSitePolicy).toBe('add');
    expect(linkIds(topo, 'Reno', 'Albuquerque').sort()).toEqual([
      'inter-site:Reno_Albuquerque',
      'site:Albuquerque',
      'site:Reno',
    ]);
  });

  it('c.2#8 A4 replace: Reno-Albuquerque uses only the inter-site link', () => {
    const t = litware().simulation({ interSitePolicy: 'replace' }).topology();
    expect(linkIds(t, 'Reno', 'Albuquerque')).toEqual(['inter-site:Reno_Albuquerque']);
    expect(linkIds(t, 'Albuquerque', 'Reno')).toEqual(['inter-site:Reno_Albuquerque']);
    // Pairs without an inter-site policy are not affected by the setting.
    expect(linkIds(t, 'Reno', 'Portland').sort()).toEqual(['site:Portland', 'site:Reno']);
  });

  it('c.2 path links carry the profile of the link', () => {
    const p = topo.path(site(topo, 'Reno'), site(topo, 'Albuquerque'));
    const isp = p.ok ? p.links.find((l) => l.kind === 'inter-site') : undefined;
    expect(isp?.profile?.audio).toEqual({ limit: 12000, sessionLimit: 175 });
    expect(topo.linkProfile('site:Albuquerque')?.audio.limit).toBe(2000);
    expect(topo.linkProfile('region-link:EMEA-APAC-LINK')?.video.limit).toBe(7000);
  });
});
