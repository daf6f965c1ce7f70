/**
 * The Docker Compose file of a scenario's deployment (`mediapath compose`): renders the plan
 * of compose-plan.ts as the services (the orchestrator, the router, one agent per host) and
 * networks of a Compose file, which Docker Compose runs as it is, against Docker or against
 * Podman's API (scripts/compose-run.sh). Pure: it never runs a container, calls `ip` or `tc`,
 * or reads a file; it knows the agents' and the orchestrator's command lines, not how they work.
 */
import { stringify } from 'yaml';
import type { Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import {
  CONTROL_NETWORK,
  ORCHESTRATOR_SERVICE,
  planCompose,
  ROUTER_SERVICE,
  type ComposePlan,
} from './compose-plan.js';

/** The orchestrator's control port, at its static address on the `control` network. */
export const CONTROL_PORT = 7000;
/** The image every service runs, built from the top-level Dockerfile. */
export const IMAGE = 'mediapath:local';
/** Where the Dockerfile puts the package; the scenarios are under `/app/scenarios`. */
export const APP_DIR = '/app';
/** Where a scenario that is not in the image is mounted read-only. */
export const MOUNT_DIR = '/app/mounted';
/** The file the router's script creates once its routes and rate limits are in place. */
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

/** What the file is generated from, besides the scenario. */
export interface ComposeOptions {
  readonly scenario: ScenarioSource;
  /** The build context (the directory holding the Dockerfile), relative to the compose file. */
  readonly buildContext: string;
  /** The command line that regenerates the file, for its header. */
  readonly command: string;
}

/** The plan, the file as an object and as text; or every reason it cannot be deployed. */
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

/**
 * Plans the Docker Compose deployment of a scenario (see `planCompose`) and renders it.
 *
 * - `mediapath`, the orchestrator, at its static address on `control`; `router` on every
 *   network, forwarding, with a route to each address on no Docker network (the PSTN's) and a
 *   token bucket (tc tbf) per rate-limited network, found by its address; its healthcheck
 *   passes once all of that is in place, and the agents wait for it.
 * - One agent per host with `NET_ADMIN`, on its scenario address(es), joining the orchestrator
 *   by address and routing through the router (`--via`).
 *
 * Pure: the same scenario and options give the same text. Every reason the scenario cannot be
 * deployed is returned at once.
 */
export function composeFor(s: Scenario, topo: Topology, options: ComposeOptions): ComposeResult {
  const planned = planCompose(s, topo);
  if (!planned.ok) {
    return { ok: false, problems: planned.problems };
  }
  const { plan } = planned;
  const document = composeDocument(plan, options);
  const header = composeHeader(s, plan, options);
  return {
    ok: true,
    plan,
    document,
    yaml: header + stringify(document, { version: '1.1', lineWidth: 0 }),
  };
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
    networks: { [CONTROL_NETWORK]: { ipv4_address: plan.orchestrator } },
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
        `${plan.orchestrator}:${CONTROL_PORT}`,
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
 * The router's shell script: route the addresses that are on no Docker network (the PSTN's),
 * find each rate-limited network's interface by the router's address on it, put a tbf on it,
 * mark itself ready and sleep. `$` is doubled for compose.
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
  for (const n of plan.networks) {
    for (const r of n.routes) {
      lines.push(
        `# ${r.to} is on no Docker network: its container on ${n.name} holds it.`,
        `ip route replace ${r.to} via ${r.via}`,
      );
    }
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
      '# Addresses the agents add themselves (Compose gives a container one address per network,',
      "# and the PSTN's TEST-NET-1 address is on no Docker network; the router routes it):",
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
