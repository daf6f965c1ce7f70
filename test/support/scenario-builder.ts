import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { decideCall, Ledger, type CallDecision, type LedgerView } from '../../src/policy/index.js';
import {
  formatProblem,
  loadScenarioText,
  type LoadResult,
  type Problem,
  type Scenario,
} from '../../src/scenario/index.js';
import { normalize } from '../../src/scenario/normalize.js';
import { Topology } from '../../src/topology/index.js';

/** A plain YAML-shaped object: what a scenario file holds before validation. */
export type Raw = Record<string, unknown>;
type Item = Record<string, unknown>;

/**
 * The default scenario: one region with an unconstrained central site (Chicago, with the
 * Mediation Server and a gateway) and a constrained branch (Portland, with its own gateway),
 * media bypass in site/region mode, CAC on, one trunk configuration with bypass on, a client
 * in each site and one outbound call from the branch client to the branch gateway.
 */
function defaults(): Raw {
  return {
    name: 'builder',
    networkConfiguration: {
      enableBandwidthPolicyCheck: true,
      mediaBypassSettings: { enabled: true },
    },
    network: {
      regions: [{ name: 'NorthAmerica', centralSite: 'Chicago' }],
      bwPolicyProfiles: [
        {
          name: 'Branch',
          audioBWLimit: 1000,
          audioBWSessionLimit: 175,
          videoBWLimit: 1400,
          videoBWSessionLimit: 700,
        },
      ],
      sites: [
        { name: 'Chicago', region: 'NorthAmerica' },
        { name: 'Portland', region: 'NorthAmerica', bwPolicyProfile: 'Branch' },
      ],
      subnets: [
        { subnet: '10.1.0.0', maskBits: 24, site: 'Chicago' },
        { subnet: '10.2.0.0', maskBits: 24, site: 'Portland' },
      ],
    },
    trunkConfigurations: [{ scope: 'global', enableBypass: true }],
    hosts: {
      mediationServers: [{ name: 'ms-chi', clientIp: '10.1.0.10', gatewayIp: '10.1.0.11' }],
      gateways: [
        { name: 'gw-chi', kind: 'pstn-gateway', ip: '10.1.0.200', mediationServer: 'ms-chi' },
        { name: 'gw-por', kind: 'pstn-gateway', ip: '10.2.0.200', mediationServer: 'ms-chi' },
      ],
      clients: [
        { name: 'alice', ip: '10.2.0.15', maskBits: 24 },
        { name: 'bob', ip: '10.1.0.15', maskBits: 24 },
      ],
    },
    calls: [{ id: 'c1', at: 0, from: 'alice', to: 'gw-por' }],
  };
}

/**
 * Builds scenario text for tests: start from the defaults (or a file), change one thing at a
 * time, then load it through the real loader (`loadScenarioText`), so that every test sees the
 * same normalization and validation a user's file gets.
 */
export class ScenarioBuilder {
  readonly raw: Raw;

  constructor(raw: Raw = defaults()) {
    this.raw = raw;
  }

  /** Starts from a scenario file of the repository, such as `scenarios/litware.yaml`. */
  static fromFile(path: string): ScenarioBuilder {
    return new ScenarioBuilder(parse(readFileSync(path, 'utf8')) as Raw);
  }

  /** Sets a value at a dot path (`networkConfiguration.mediaBypassSettings.enabled`). */
  set(path: string, value: unknown): this {
    const keys = path.split('.');
    const last = keys.pop()!;
    let node = this.raw;
    for (const k of keys) {
      node[k] ??= {};
      node = node[k] as Raw;
    }
    if (value === undefined) {
      delete node[last];
    } else {
      node[last] = value;
    }
    return this;
  }

  /** The list at a dot path (created empty when missing). */
  list(path: string): Item[] {
    const keys = path.split('.');
    let node: Raw = this.raw;
    for (const k of keys.slice(0, -1)) {
      node[k] ??= {};
      node = node[k] as Raw;
    }
    const last = keys[keys.length - 1]!;
    node[last] ??= [];
    return node[last] as Item[];
  }

  /** Appends items to the list at a dot path. */
  add(path: string, ...items: Item[]): this {
    this.list(path).push(...items);
    return this;
  }

  /**
   * Changes the named item of a list (by `name`, or `scope` for configurations, or `id` for
   * calls): keys set to `undefined` are removed. Throws when there is no such item.
   */
  patch(path: string, name: string, changes: Item): this {
    const item = this.list(path).find((x) => (x.name ?? x.scope ?? x.id) === name);
    if (!item) {
      throw new Error(`no item "${name}" in ${path}`);
    }
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) {
        delete item[k];
      } else {
        item[k] = v;
      }
    }
    return this;
  }

  /** Removes the named item from a list. */
  remove(path: string, name: string): this {
    const list = this.list(path);
    const i = list.findIndex((x) => (x.name ?? x.scope ?? x.id) === name);
    if (i < 0) {
      throw new Error(`no item "${name}" in ${path}`);
    }
    list.splice(i, 1);
    return this;
  }

  cac(on: boolean): this {
    return this.set('networkConfiguration.enableBandwidthPolicyCheck', on);
  }
  bypass(settings: Item): this {
    const nc = (this.raw.networkConfiguration ??= {}) as Item;
    nc.mediaBypassSettings = { ...(nc.mediaBypassSettings as Item | undefined), ...settings };
    return this;
  }
  simulation(settings: Item): this {
    this.raw.simulation = { ...(this.raw.simulation as Item | undefined), ...settings };
    return this;
  }
  site(name: string, changes: Item): this {
    return this.patch('network.sites', name, changes);
  }
  client(name: string, changes: Item): this {
    return this.patch('hosts.clients', name, changes);
  }
  gateway(name: string, changes: Item): this {
    return this.patch('hosts.gateways', name, changes);
  }
  region(name: string, changes: Item): this {
    return this.patch('network.regions', name, changes);
  }
  profile(name: string, changes: Item): this {
    return this.patch('network.bwPolicyProfiles', name, changes);
  }
  /** Changes the trunk configuration of a scope, adding it when missing. */
  trunk(scope: string, changes: Item): this {
    const list = this.list('trunkConfigurations');
    if (!list.some((t) => t.scope === scope)) {
      list.push({ scope });
    }
    return this.patch('trunkConfigurations', scope, changes);
  }
  /** Replaces the timeline with these calls. */
  calls(...calls: Item[]): this {
    this.raw.calls = calls;
    return this;
  }

  yaml(): string {
    return stringify(this.raw);
  }

  load(file = '<builder>'): LoadResult {
    return loadScenarioText(this.yaml(), file);
  }

  /** The validated model; throws with every problem when the scenario is invalid. */
  build(): Scenario {
    const r = this.load();
    if (!r.ok) {
      throw new Error(`invalid test scenario:\n${r.problems.map(formatProblem).join('\n')}`);
    }
    return r.scenario;
  }

  /**
   * The normalized model without validation, for runtime behaviour the loader would refuse
   * (the simulator must still be safe if validation was skipped).
   */
  unvalidated(): Scenario {
    return normalize(parse(this.yaml()), '<builder>');
  }

  topology(): Topology {
    return new Topology(this.build());
  }
}

/** The Litware reference scenario (Microsoft's call admission control planning example). */
export function litware(): ScenarioBuilder {
  return ScenarioBuilder.fromFile(
    new URL('../../scenarios/litware.yaml', import.meta.url).pathname,
  );
}

/** A ledger view with fixed usage: `{ 'site:Portland': 900 }` (audio unless `|video`). */
export function usage(
  used: Record<string, number> = {},
  channels: Record<string, number> = {},
): LedgerView {
  return {
    used: (link, modality) =>
      used[`${link}|${modality}`] ?? (modality === 'audio' ? (used[link] ?? 0) : 0),
    channelsInUse: (g) => channels[g] ?? 0,
  };
}

/** Decides one call of the topology (by id; the first when omitted) against a ledger view. */
export function decide(
  topo: Topology,
  callId?: string,
  ledger: LedgerView = new Ledger(),
): CallDecision {
  const call =
    callId === undefined
      ? topo.scenario.calls[0]
      : topo.scenario.calls.find((c) => c.id === callId);
  if (!call) {
    throw new Error(`no call ${callId ?? '(first)'}`);
  }
  return decideCall(topo, call, ledger, { trace: true });
}

/** The trace steps of a rule. */
export function steps(d: CallDecision, rule: string): CallDecision['trace'] {
  return d.trace.filter((s) => s.rule === rule);
}

/** The verdicts a rule got in the trace, in order. */
export function verdicts(d: CallDecision, rule: string): string[] {
  return steps(d, rule).map((s) => s.verdict);
}

/** Reservations as `link|modality=kbps`, sorted. */
export function reserved(d: CallDecision): string[] {
  return d.holding.reservations.map((r) => `${r.link}|${r.modality}=${r.kbps}`).sort();
}

/** The problems of a load result (errors and warnings), whichever way it went. */
export function problemsOf(r: LoadResult): readonly Problem[] {
  return r.ok ? r.warnings : r.problems;
}

/** 1-based line and column of the `occurrence`-th (0-based) appearance of `needle` in `text`. */
export function positionOf(
  text: string,
  needle: string,
  occurrence = 0,
): { line: number; col: number } {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) {
      throw new Error(`"${needle}" occurs fewer than ${occurrence + 1} times`);
    }
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, col: at - before.lastIndexOf('\n') };
}
