/**
 * The network-namespace mode of `mediapath run`: namespaces, one agent process per host, this
 * process as the orchestrator, and the cleanup of all of it.
 *
 * This file must not know the command line (run-command.ts parses it), nor how namespaces,
 * veth pairs and rates are made (the net layer) or how a run is orchestrated (the lab).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, SimError, type Logger } from '../core/index.js';
import {
  PSTN_IP,
  runOrchestrated,
  scenarioAddressing,
  type AgentProcesses,
  type Addressing,
  type LabProgress,
  type OrchestratorOptions,
  type LabResult,
} from '../lab/index.js';
import { NetnsNetwork, netnsAvailable, planNetns, runIdsInUse } from '../net/index.js';
import type { Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { LAUNCHER } from './paths.js';
import { count } from './text.js';

/** The control socket of a netns run (removed with the run; `net clean` removes leftovers). */
export function controlSocketPath(runId: string): string {
  return join(tmpdir(), `mediapath-${runId}.sock`);
}

/** What the netns mode needs from `mediapath run`. */
export interface NetnsRunOptions {
  readonly logger: Logger;
  readonly logLevel: string;
  readonly source: { readonly text: string; readonly file: string };
  readonly signal: AbortSignal;
  readonly onProgress: (p: LabProgress) => void;
  readonly onStatus: (line: string) => void;
  /** A lab kept up (`serve --net netns`): see `OrchestratorOptions.serve`. */
  readonly serve?: OrchestratorOptions['serve'];
}

/**
 * The network-namespace mode: a namespace per site and a router namespace, one agent process
 * per host inside its site's namespace on its scenario IP, this process as the orchestrator
 * over a Unix socket. Every namespace, process and socket file is removed on the way out: on
 * success, on error, on Ctrl-C, and (synchronously) when the process exits on an uncaught error.
 */
export async function runNetns(scenario: Scenario, o: NetnsRunOptions): Promise<LabResult> {
  if (!(await netnsAvailable())) {
    throw new SimError(
      ErrorCodes.NET_UNSUPPORTED,
      'the netns mode needs Linux, root and iproute2 (ip netns); try the loopback mode',
    );
  }
  const addressing = scenarioAddressing(scenario);
  const clash = addressing.entries.find((e) => e.host !== 'pstn' && e.address === PSTN_IP);
  if (clash) {
    throw new SimError(
      ErrorCodes.NET_UNSUPPORTED,
      `host ${clash.host} uses ${PSTN_IP}, the PSTN's address in the netns mode`,
    );
  }
  const inUse = await runIdsInUse();
  let runId = '';
  for (let i = 0; i < 100 && (runId === '' || inUse.has(runId)); i++) {
    runId = Math.floor(Math.random() * 0x10000)
      .toString(16)
      .padStart(4, '0');
  }
  const plan = planNetns(scenario, new Topology(scenario), runId, [PSTN_IP]);
  o.onStatus(
    `creating ${count(plan.sites.length + 1, 'network namespace')} (run ${runId}: ${plan.router}, ${plan.sites.map((s) => s.namespace).join(', ')})`,
  );
  const socketPath = controlSocketPath(runId);
  const children = new Map<string, ChildProcess>();
  let net: NetnsNetwork | null = null;
  const onExit = (): void => {
    for (const c of children.values()) {
      c.kill('SIGKILL');
    }
    net?.destroySync();
    rmSync(socketPath, { force: true });
  };
  process.once('exit', onExit);
  try {
    net = await NetnsNetwork.create(plan, o.logger);
    const network = net;
    rmSync(socketPath, { force: true });
    const spawnAgents = (control: string, hosts: readonly string[]): AgentProcesses => {
      const listeners: ((host: string, code: number | null) => void)[] = [];
      for (const host of hosts) {
        const ns = network.namespaceOf(addressing.addressOf(host));
        const child = network.spawn(ns, process.execPath, [
          LAUNCHER,
          'agent',
          '--control',
          control,
          '--host',
          host,
          '--log-level',
          o.logLevel,
          // The orchestrator listens before it starts agents: an agent that cannot reach it
          // soon is an orphan of a killed run.
          '--connect-timeout',
          '5',
        ]);
        children.set(host, child);
        child.once('exit', (code) => {
          children.delete(host);
          for (const l of listeners) {
            l(host, code);
          }
        });
      }
      o.onStatus(`started ${count(hosts.length, 'agent')}, one per host`);
      return {
        onExit: (l) => listeners.push(l),
        stop: async () => {
          const waits = [...children.values()].map(
            (c) =>
              new Promise<void>((resolve) => {
                if (c.exitCode !== null || c.signalCode !== null) {
                  resolve();
                  return;
                }
                const kill = setTimeout(() => c.kill('SIGKILL'), 3000);
                c.once('exit', () => {
                  clearTimeout(kill);
                  resolve();
                });
              }),
          );
          // Agents leave by themselves on shutdown; a nudge for any that does not.
          const nudge = setTimeout(() => {
            for (const c of children.values()) {
              c.kill('SIGTERM');
            }
          }, 1000);
          await Promise.all(waits);
          clearTimeout(nudge);
        },
      };
    };
    const linkName = new Map<string, string>();
    for (const l of scenario.links) {
      linkName.set(l.between[1], `${l.between[0]} -> ${l.between[1]}`);
      linkName.set(l.between[0], `${l.between[1]} -> ${l.between[0]}`);
    }
    if (o.serve) {
      o.onStatus(whereToCall(scenario, addressing, network, socketPath));
    }
    return await runOrchestrated(scenario, {
      logger: o.logger,
      listen: `unix:${socketPath}`,
      source: o.source,
      ...(o.serve ? { serve: o.serve } : {}),
      spawnAgents,
      kernelRates: network.kernelRates,
      kernelLinkDrops: async () => {
        const bySite = await network.rateDrops();
        const out = new Map<string, number>();
        for (const [site, n] of bySite) {
          const name = linkName.get(site);
          if (name) {
            out.set(name, n);
          }
        }
        return out;
      },
      onProgress: o.onProgress,
      signal: o.signal,
    });
  } finally {
    for (const c of children.values()) {
      c.kill('SIGKILL');
    }
    await net?.destroy();
    rmSync(socketPath, { force: true });
    process.removeListener('exit', onExit);
  }
}

/**
 * Where outside peers call a lab kept up in namespaces, and where they must run: each
 * Mediation Server's listeners (scenario IPs, fixed ports), and each outside peer's address
 * with its namespace (`ip netns exec NS sipp -i ADDRESS ...`).
 */
function whereToCall(
  s: Scenario,
  addressing: Addressing,
  network: NetnsNetwork,
  socketPath: string,
): string {
  const lines = ['SIP listeners (scenario IPs):'];
  for (const ms of s.hosts.mediationServers) {
    lines.push(
      `  ${ms.name}  client side ${ms.clientIp}:5060  gateway side ${ms.gatewayIp}:5061  (namespace ${network.namespaceOf(ms.clientIp)})`,
    );
  }
  const outside = [...s.hosts.gateways, ...s.hosts.clients].filter((h) => h.external);
  if (outside.length > 0) {
    lines.push('outside peers (run them in their namespace, from this address):');
    for (const h of outside) {
      const ip = addressing.addressOf(h.name);
      lines.push(
        `  ${h.name}  ${ip}:${h.external?.sipPort ?? 5060}  ip netns exec ${network.namespaceOf(ip)} ...`,
      );
    }
  }
  lines.push(
    `an agent for a lost host joins again with: mediapath agent --control unix:${socketPath} --host NAME`,
  );
  return lines.join('\n');
}
