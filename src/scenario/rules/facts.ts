/**
 * Computes, once per run, what several rules need to know about the scenario as a whole
 * ({@link ScenarioFacts}), and lists the objects of each subject for the runner.
 *
 * This file must not know any rule's condition or message, nor YAML, zod or source positions.
 */
import { parseIpv4 } from '../../core/index.js';
import type { PathSegments } from '../problems.js';
import type { Scenario } from '../types.js';
import {
  HOST_LISTS,
  hostAddresses,
  pairKey,
  type HostItem,
  type Item,
  type ScenarioFacts,
  type Subject,
  type SubjectItems,
} from './rule.js';
import { elementAt } from './shared.js';

/** Derives the facts of a scenario. */
export function scenarioFacts(
  s: Scenario,
  present: (path: PathSegments) => boolean,
): ScenarioFacts {
  const n = s.network;
  const h = s.hosts;
  const hosts = hostItems(s);
  const addresses = hosts.flatMap((host, order) =>
    hostAddresses(host.value).map((a) => ({ order, name: host.value.name, ip: a.ip })),
  );
  const earlierAddress = earlierSameKey(addresses, (a) => a.ip);
  const addressUsedBy = hosts.map((): (string | undefined)[] => []);
  addresses.forEach((a, k) => {
    const prev = earlierAddress[k];
    elementAt(addressUsedBy, a.order, 'host').push(
      prev === undefined ? undefined : elementAt(addresses, prev, 'host address').name,
    );
  });
  const routeKey = (r: Scenario['network']['regionRoutes'][number]): string | null =>
    r.regions[0] === r.regions[1] ? null : pairKey(r.regions[0], r.regions[1]);
  return {
    regionNames: namesOf(n.regions),
    siteNames: namesOf(n.sites),
    profileNames: namesOf(n.bwPolicyProfiles),
    regionLinkNames: namesOf(n.regionLinks),
    voicePolicyNames: namesOf(s.voicePolicies),
    subnetAddresses: n.subnets.map((sub) => parseIpv4(sub.subnet)),
    hostNames: new Set(hosts.map((x) => x.value.name)),
    mediationServerNames: namesOf(h.mediationServers),
    gatewayNames: namesOf(h.gateways),
    clientNames: namesOf(h.clients),
    hosts,
    earlierHostWithName: earlierSameKey(hosts, (x) => x.value.name),
    addressUsedBy,
    routedRegionPairs: new Set(n.regionRoutes.map(routeKey).filter((k): k is string => k !== null)),
    earlierRoute: earlierSameKey(n.regionRoutes, routeKey),
    earlierInterSitePolicy: earlierSameKey(n.interSitePolicies, (p) =>
      pairKey(p.sites[0], p.sites[1]),
    ),
    earlierTrunkScope: earlierSameKey(s.trunkConfigurations, (t, i) =>
      present(['trunkConfigurations', i]) ? t.scope.toLowerCase() : null,
    ),
    earlierCallId: earlierSameKey(s.calls, (c) => c.id),
    userNames: namesOf(s.users),
    endpointOwner: endpointOwners(s),
    teamsRelayNames: new Set(
      [...s.teamsDirectRouting.mediaProcessors, ...s.teamsDirectRouting.transportRelays].map(
        (r) => r.name,
      ),
    ),
  };
}

/** The first user that lists each endpoint. */
function endpointOwners(s: Scenario): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const u of s.users) {
    for (const e of u.endpoints) {
      if (!out.has(e)) {
        out.set(e, u.name);
      }
    }
  }
  return out;
}

/** The objects of every subject, in the order the rules visit them. */
export function subjectItems(
  s: Scenario,
  facts: ScenarioFacts,
  present: (path: PathSegments) => boolean,
): { readonly [S in Subject]: readonly SubjectItems[S][] } {
  const n = s.network;
  const h = s.hosts;
  const written = <T>(list: readonly T[], key: string): Item<T>[] =>
    items(list, [key]).filter((x) => present(x.path));
  return {
    scenario: [{ value: s, index: 0, path: [] }],
    host: facts.hosts,
    region: items(n.regions, ['network', 'regions']),
    site: items(n.sites, ['network', 'sites']),
    subnet: items(n.subnets, ['network', 'subnets']),
    bwPolicyProfile: items(n.bwPolicyProfiles, ['network', 'bwPolicyProfiles']),
    regionLink: items(n.regionLinks, ['network', 'regionLinks']),
    regionRoute: items(n.regionRoutes, ['network', 'regionRoutes']),
    interSitePolicy: items(n.interSitePolicies, ['network', 'interSitePolicies']),
    trunkConfiguration: written(s.trunkConfigurations, 'trunkConfigurations'),
    mediaConfiguration: written(s.mediaConfigurations, 'mediaConfigurations'),
    voicePolicy: written(s.voicePolicies, 'voicePolicies'),
    mediationServer: items(h.mediationServers, ['hosts', 'mediationServers']),
    gateway: items(h.gateways, ['hosts', 'gateways']),
    client: items(h.clients, ['hosts', 'clients']),
    edge: items(h.edges, ['hosts', 'edges']),
    link: items(s.links, ['links']),
    call: items(s.calls, ['calls']),
    trafficStream: items(s.traffic?.streams ?? [], ['traffic', 'streams']),
    user: items(s.users, ['users']),
    teamsSbc: items(s.teamsDirectRouting.sbcs, ['teamsDirectRouting', 'sbcs']),
  };
}

function items<T>(list: readonly T[], path: PathSegments): Item<T>[] {
  return list.map((value, index) => ({ value, index, path: [...path, index] }));
}

function hostItems(s: Scenario): HostItem[] {
  const all = HOST_LISTS.flatMap((list) =>
    s.hosts[list].map((value, index) => ({ value, index, list, path: ['hosts', list, index] })),
  );
  return all.map((host, order) => ({ ...host, order }));
}

function namesOf(list: readonly { readonly name: string }[]): ReadonlySet<string> {
  return new Set(list.map((x) => x.name));
}

/**
 * For each element, the index of the last earlier element with the same key, or `undefined`.
 * An element whose key is `null` has no earlier element and is not remembered.
 */
export function earlierSameKey<T>(
  list: readonly T[],
  keyOf: (item: T, index: number) => string | null,
): (number | undefined)[] {
  const last = new Map<string, number>();
  return list.map((item, i) => {
    const key = keyOf(item, i);
    if (key === null) {
      return undefined;
    }
    const prev = last.get(key);
    last.set(key, i);
    return prev;
  });
}
