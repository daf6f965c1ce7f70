/**
 * The network-namespace mode's network: a plan (one namespace per site, a router namespace,
 * veth pairs over transit /30s, each host's scenario IP as a /32 in its site, routes through
 * the router, `tc tbf` for link rates) and its creation and removal with `ip` and `tc`, also
 * of leftovers of a killed run (`mediapath net clean`). It knows nothing of SIP, media or the
 * hosts' processes; it only builds and removes the network they run in.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCodes, SimError, type Logger } from '../core/index.js';
import type { Scenario } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';

const run = promisify(execFile);

/**
 * Every namespace and interface mediapath creates starts with this, so that `mediapath net
 * clean` finds leftovers of a crashed run and touches nothing else.
 */
export const NETNS_PREFIX = 'mp';

/** One site's namespace and its veth pair to the router. */
export interface SitePlan {
  readonly site: string;
  readonly namespace: string;
  /** The veth end inside the site namespace. */
  readonly siteIf: string;
  /** The veth end inside the router namespace. */
  readonly routerIf: string;
  /** Transit /30: the router's address and the site's. */
  readonly routerTransit: string;
  readonly siteTransit: string;
  /** Scenario addresses of the site's hosts, bound as /32 on the site's interface. */
  readonly hostIps: readonly string[];
  /** A rate limit on traffic towards this site (tc tbf on the router's end), kbit/s. */
  readonly rateKbps: number | null;
}

/** The namespaces of one run: a router and one namespace per site with hosts. */
export interface NetnsPlan {
  readonly runId: string;
  readonly router: string;
  readonly sites: readonly SitePlan[];
  /** Hosts in no site (the PSTN, external users): bound in the router namespace. */
  readonly routerHostIps: readonly string[];
}

/**
 * Plans the namespaces for a scenario: one per site that has hosts, a router namespace joined
 * to each by a veth pair over a transit /30 from 10.254.0.0/16 (addresses that exist only
 * inside these namespaces), host addresses as /32 routes through the router. A link rate in
 * `links:` becomes a token bucket (tc tbf) on the router's side towards each of its two sites:
 * exact with two sites, an approximation (it shapes all traffic towards the site) with more.
 */
export function planNetns(
  s: Scenario,
  topo: Topology,
  runId = randomBytes(2).toString('hex'),
  extraRouterHostIps: readonly string[] = [],
): NetnsPlan {
  if (!/^[0-9a-f]{4}$/.test(runId)) {
    throw new TypeError(`runId must be 4 hex digits, got ${runId}`);
  }
  const bySite = new Map<string, string[]>();
  const routerHostIps: string[] = [...extraRouterHostIps];
  const h = s.hosts;
  const add = (site: string | null, ip: string): void => {
    if (site === null) {
      routerHostIps.push(ip);
      return;
    }
    const list = bySite.get(site) ?? [];
    if (!list.includes(ip)) {
      list.push(ip);
    }
    bySite.set(site, list);
  };
  for (const host of [
    ...h.mediationServers,
    ...h.gateways,
    ...h.clients,
    ...h.edges,
    ...h.voicemail,
  ]) {
    const site = topo.siteOfHost(host)?.name ?? null;
    if (host.kind === 'mediation-server') {
      add(site, host.clientIp);
      add(site, host.gatewayIp);
    } else if (host.kind === 'pstn-gateway' || host.kind === 'ip-pbx' || host.kind === 'sbc') {
      add(site, host.mediaIp);
    } else if (host.kind === 'client' && host.location === 'external') {
      add(null, host.ip);
    } else {
      add(site, host.ip);
    }
  }
  const rate = new Map<string, number>();
  for (const l of s.links) {
    const r = l.impairment.rateKbps;
    if (r !== null) {
      for (const site of l.between) {
        rate.set(site, Math.min(rate.get(site) ?? Infinity, r));
      }
    }
  }
  const sites: SitePlan[] = [...bySite.entries()].map(([site, hostIps], i) => {
    if (i >= 16000) {
      throw new RangeError('too many sites for the transit range');
    }
    const base = i * 4;
    const third = Math.floor(base / 256);
    const fourth = base % 256;
    return {
      site,
      namespace: `${NETNS_PREFIX}${runId}-s${i}`,
      siteIf: `${NETNS_PREFIX}${runId}s${i}`,
      routerIf: `${NETNS_PREFIX}${runId}r${i}`,
      routerTransit: `10.254.${third}.${fourth + 1}`,
      siteTransit: `10.254.${third}.${fourth + 2}`,
      hostIps,
      rateKbps: rate.get(site) ?? null,
    };
  });
  return { runId, router: `${NETNS_PREFIX}${runId}-r`, sites, routerHostIps };
}

/**
 * The namespaces of a plan, created for real (Linux, root). `destroy()` removes everything it
 * created; it is safe to call twice and after a partial `create()`.
 */
export class NetnsNetwork {
  readonly plan: NetnsPlan;
  readonly #log: Logger;
  readonly #created: string[] = [];
  readonly #shaped: string[] = [];
  #kernelRates = true;
  #destroyed = false;

  private constructor(plan: NetnsPlan, logger: Logger) {
    this.plan = plan;
    this.#log = logger.child({ mod: 'net.netns', run: plan.runId });
  }

  /**
   * Creates the router and site namespaces, veth pairs, addresses, routes and rate limits.
   * @throws {SimError} `SIM_ERR_NET_UNSUPPORTED` when namespaces cannot be created (not root,
   *   no iproute2); everything created so far is removed first.
   */
  static async create(plan: NetnsPlan, logger: Logger): Promise<NetnsNetwork> {
    const net = new NetnsNetwork(plan, logger);
    try {
      await net.#build();
    } catch (e) {
      await net.destroy();
      throw new SimError(
        ErrorCodes.NET_UNSUPPORTED,
        `cannot create network namespaces: ${errorText(e)}`,
        { cause: e },
      );
    }
    return net;
  }

  /** True when every link rate of the plan is enforced by the kernel (tc tbf). */
  get kernelRates(): boolean {
    return this.#kernelRates && this.plan.sites.some((s) => s.rateKbps !== null);
  }

  /** The namespace a scenario address lives in. */
  namespaceOf(ip: string): string {
    return this.plan.sites.find((s) => s.hostIps.includes(ip))?.namespace ?? this.plan.router;
  }

  /**
   * Starts a program inside a namespace (`ip netns exec`); it is not waited for. The caller
   * owns the process and ends it.
   */
  spawn(
    namespace: string,
    command: string,
    args: readonly string[],
    stdio: 'inherit' | 'pipe' | 'ignore' = 'inherit',
  ): ChildProcess {
    return spawn('ip', ['netns', 'exec', namespace, command, ...args], {
      stdio: ['ignore', stdio, stdio],
      // Its own process group: Ctrl-C on a terminal reaches the orchestrator, which ends it.
      detached: true,
    });
  }

  /**
   * Packets the kernel's token buckets dropped, per site they were heading to (the tbf on the
   * router's side of each rate-limited site). Empty when no site has a rate.
   */
  async rateDrops(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const s of this.plan.sites) {
      if (s.rateKbps === null) {
        continue;
      }
      const { stdout } = await run(
        'ip',
        ['netns', 'exec', this.plan.router, 'tc', '-s', 'qdisc', 'show', 'dev', s.routerIf],
        { timeout: 10_000 },
      );
      const m = /dropped (\d+)/.exec(stdout);
      out.set(s.site, m ? Number(m[1]) : 0);
    }
    return out;
  }

  async #build(): Promise<void> {
    const p = this.plan;
    const r = p.router;
    writeOwner(p.runId);
    await this.#netns(r);
    await inNs(r, 'ip link set lo up');
    await inNs(r, 'sysctl -q -w net.ipv4.ip_forward=1');
    for (const hostIp of p.routerHostIps) {
      await inNs(r, `ip addr add ${hostIp}/32 dev lo`);
    }
    for (const s of p.sites) {
      const ns = s.namespace;
      await this.#netns(ns);
      await inNs(ns, 'ip link set lo up');
      // The pair is created in the router namespace, then one end moves to the site.
      await inNs(r, `ip link add ${s.routerIf} type veth peer name ${s.siteIf}`);
      await inNs(r, `ip link set ${s.siteIf} netns ${ns}`);
      await inNs(r, `ip addr add ${s.routerTransit}/30 dev ${s.routerIf}`);
      await inNs(r, `ip link set ${s.routerIf} up`);
      await inNs(ns, `ip addr add ${s.siteTransit}/30 dev ${s.siteIf}`);
      for (const hostIp of s.hostIps) {
        await inNs(ns, `ip addr add ${hostIp}/32 dev ${s.siteIf}`);
        await inNs(r, `ip route add ${hostIp}/32 via ${s.siteTransit} dev ${s.routerIf}`);
      }
      await inNs(ns, `ip link set ${s.siteIf} up`);
      await inNs(ns, `ip route add default via ${s.routerTransit} dev ${s.siteIf}`);
      if (s.rateKbps !== null && this.#kernelRates) {
        // Burst of at least one MTU-sized packet plus a few ms of traffic; latency bounds the queue.
        const burstBytes = Math.max(1600, Math.round((s.rateKbps * 1000) / 8 / 100));
        try {
          await inNs(
            r,
            `tc qdisc add dev ${s.routerIf} root tbf rate ${s.rateKbps}kbit burst ${burstBytes} latency 100ms`,
          );
          this.#shaped.push(s.routerIf);
        } catch (e) {
          // No tbf in this kernel (or no tc): rates stay in user space, like delay and loss.
          this.#log.warn({ err: e }, 'tc tbf not available; link rates applied in user space');
          this.#kernelRates = false;
          for (const dev of this.#shaped) {
            await inNs(r, `tc qdisc del dev ${dev} root`).catch(() => undefined);
          }
          this.#shaped.length = 0;
        }
      }
    }
    this.#log.debug({ namespaces: this.#created }, 'network namespaces ready');
  }

  async #netns(name: string): Promise<void> {
    await ip(['netns', 'add', name]);
    this.#created.push(name);
  }

  /** Removes every namespace created (their veth ends go with them). */
  async destroy(): Promise<void> {
    if (this.#destroyed) {
      return;
    }
    this.#destroyed = true;
    for (const ns of [...this.#created].reverse()) {
      try {
        await ip(['netns', 'del', ns]);
      } catch (e) {
        this.#log.warn({ err: e, ns }, 'could not remove a namespace');
      }
    }
    this.#created.length = 0;
    removeOwner(this.plan.runId);
  }

  /**
   * The same as `destroy()`, synchronously: for a process that is exiting (an uncaught error)
   * and cannot wait for promises any more.
   */
  destroySync(): void {
    if (this.#destroyed) {
      return;
    }
    this.#destroyed = true;
    for (const ns of [...this.#created].reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // Nothing more can be done while exiting; `mediapath net clean` finds it.
      }
    }
    this.#created.length = 0;
    removeOwner(this.plan.runId);
  }
}

/** Where each run notes its process id, so that `net clean` spares the runs still going. */
function ownerDir(): string {
  return process.getuid?.() === 0 ? '/run/mediapath' : join(tmpdir(), 'mediapath');
}

function writeOwner(runId: string): void {
  try {
    mkdirSync(ownerDir(), { recursive: true });
    writeFileSync(join(ownerDir(), `${runId}.pid`), `${process.pid}\n`);
  } catch {
    // Without the note, `net clean` treats the run as left over; it still works.
  }
}

function removeOwner(runId: string): void {
  rmSync(join(ownerDir(), `${runId}.pid`), { force: true });
}

/** True when the run that created a namespace is still going. */
function ownerAlive(runId: string): boolean {
  try {
    const pid = Number(readFileSync(join(ownerDir(), `${runId}.pid`), 'utf8').trim());
    if (!(pid > 0) || pid === process.pid) {
      return pid === process.pid;
    }
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The run ids whose namespaces exist now (a new run picks another). */
export async function runIdsInUse(): Promise<Set<string>> {
  const { stdout } = await run('ip', ['netns', 'list'], { timeout: 10_000 });
  const ids = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = new RegExp(`^${NETNS_PREFIX}([0-9a-f]{4})-`).exec(line.trim());
    if (m?.[1]) {
      ids.add(m[1]);
    }
  }
  return ids;
}

/**
 * Removes every namespace whose name starts with the mediapath prefix and a run id, left over
 * by a run that is no longer going (its process is gone); namespaces of a run still going are
 * kept unless `force`. Returns the names removed. Safe when there is nothing to remove.
 */
export async function cleanNetns(options: { readonly force?: boolean } = {}): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'], { timeout: 10_000 });
  const names = stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => new RegExp(`^${NETNS_PREFIX}[0-9a-f]{4}-(r|s\\d+)$`).test(n));
  const removed: string[] = [];
  for (const n of names) {
    if (!options.force && ownerAlive(n.slice(NETNS_PREFIX.length, NETNS_PREFIX.length + 4))) {
      continue;
    }
    try {
      await ip(['netns', 'del', n]);
      removed.push(n);
      removeOwner(n.slice(NETNS_PREFIX.length, NETNS_PREFIX.length + 4));
    } catch {
      // Another run may have removed it meanwhile.
    }
  }
  return removed;
}

/** True when this process may create network namespaces (root and iproute2). */
export async function netnsAvailable(): Promise<boolean> {
  if (process.getuid?.() !== 0) {
    return false;
  }
  try {
    await run('ip', ['netns', 'list'], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** `ip` with arguments, e.g. `ip netns add NAME`. */
async function ip(args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 });
  } catch (e) {
    throw new Error(`ip ${args.join(' ')}: ${errorText(e)}`, { cause: e });
  }
}

/** Runs a command line (words separated by spaces, no quoting) inside a namespace. */
function inNs(namespace: string, command: string): Promise<void> {
  return ip(['netns', 'exec', namespace, ...command.split(' ')]);
}

function errorText(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr ?? '').trim() || (err.message ?? String(e));
}
