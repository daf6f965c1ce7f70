/**
 * The signalling load test: SIPp places relayed calls at the Mediation Server's client side at
 * a fixed rate, another SIPp answers them as the gateway, and the Mediation Server runs in this
 * process (a lab of one Mediation Server whose client and gateway are outside peers). A step is
 * one rate for a bounded number of calls; it reports the calls attempted, completed and
 * failed, SIPp's retransmissions, the INVITE-to-200 response time, and the CPU this process
 * (the Mediation Server) used, per second and per call, with what other processes used
 * meanwhile. `mediapath load --sip` and `perf/sip.bench.js` run it.
 *
 * It must not know how the Mediation Server handles a call (the lab does), nor the command
 * line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { InternalError, type Logger } from '../core/index.js';
import { assignLoopback, endpointMedia, LoopbackLab } from '../lab/index.js';
import { machineBusySeconds } from '../media/index.js';
import { loadScenarioText } from '../scenario/index.js';
import {
  lastSippStats,
  processCpuSeconds,
  reapedChildrenCpuSeconds,
  sippCount,
  sippResponseTimes,
  startSipp,
  writeSippScenarios,
  type SippProcess,
} from './sip-load-sipp.js';

/**
 * The lab: one Mediation Server; the caller (a client) and the gateway are played by SIPp.
 * Bypass and call admission control are off, so that every call is relayed and none refused
 * for bandwidth; keep-alives are off (SIPp's gateway would take an OPTIONS for a stray call).
 */
export const SIP_LOAD_SCENARIO = `name: SIP load through the Mediation Server
networkConfiguration:
  enableBandwidthPolicyCheck: false
  mediaBypassSettings: { enabled: false }
network:
  regions:
    - { name: NorthAmerica, centralSite: Chicago }
  sites:
    - { name: Chicago, region: NorthAmerica }
  subnets:
    - { subnet: 172.28.152.128, maskBits: 25, site: Chicago }
trunkConfigurations:
  - { scope: global, enableBypass: false }
simulation:
  keepAliveInterval: 0s
hosts:
  mediationServers:
    - { name: ms, clientIp: 172.28.152.130, gatewayIp: 172.28.152.131 }
  gateways:
    - { name: gw, kind: pstn-gateway, ip: 172.28.152.200, mediationServer: ms }
  clients:
    - { name: caller, ip: 172.28.152.150, maskBits: 25 }
voicePolicies:
  - name: global
    routes:
      - { numberPattern: '^\\+1', trunks: [gw] }
calls: []
`;

/** The number the caller dials (routed to the gateway by the voice policy). */
const DIALLED = '+13125550100';
/**
 * SIPp's socket buffers, in bytes (its default is 64 KiB: a burst of responses while SIPp is
 * busy would be lost and counted against the Mediation Server as retransmissions).
 */
const SIPP_BUFFER = String(4 * 1024 * 1024);
/** SIPp's SIP ports: the caller's and the gateway's. */
const CALLER_PORT = 5090;
const GATEWAY_PORT = 5080;

/** One rate of the test. */
export interface SipStepOptions {
  /** New calls a second. */
  readonly rate: number;
  /** Seconds of new calls: the step places `rate * seconds` calls. */
  readonly seconds: number;
  /** How long each call is held before BYE, in milliseconds. */
  readonly holdMs: number;
  /** The CPU SIPp is pinned to (not pinned when undefined). */
  readonly sippCpu?: number | undefined;
}

/** What one step measured. */
export interface SipStepResult {
  readonly rate: number;
  /** Calls SIPp placed. */
  readonly attempted: number;
  /** Calls that got their 200 to INVITE and to BYE. */
  readonly completed: number;
  /** Calls that failed, or never finished before SIPp stopped. */
  readonly failed: number;
  /** Retransmissions SIPp sent (caller and gateway). */
  readonly retransmissions: number;
  /** INVITE to 200 at the caller, in milliseconds (SIPp's resolution is 1 ms). */
  readonly inviteP50Ms: number | null;
  readonly inviteP99Ms: number | null;
  /** Seconds from the first call to the caller's exit. */
  readonly wallSeconds: number;
  /**
   * CPU of this process (the Mediation Server), in cores (1 = a whole core): while calls
   * start and end at the full rate (from one hold time after the first call to the last new
   * call), or over the whole step when that window is under a second.
   */
  readonly msCpu: number;
  /** CPU of this process per completed call, in microseconds. */
  readonly msCpuUsPerCall: number | null;
  /** CPU both SIPp processes used, in cores. */
  readonly sippCpu: number | null;
  /** CPU other processes of the machine used meanwhile, in cores (null without /proc). */
  readonly otherCpu: number | null;
  /** SIPp's exit code (0: every call completed). */
  readonly sippExit: number | null;
  /** This process's heap and resident memory at the end of the step, in MB. */
  readonly heapMB: number;
  readonly rssMB: number;
}

/**
 * This process's CPU, in cores, while calls start and end at the full rate: from one hold
 * time (and half a second) after the first call to the last new call. `null` when that
 * window is under a second.
 */
async function steadyWindow(o: SipStepOptions): Promise<number | null> {
  const from = o.holdMs + 500;
  const to = o.seconds * 1000;
  if (to - from < 1000) {
    return null;
  }
  await delay(from);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await delay(to - from);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / (performance.now() - t0);
}

/** The Mediation Server of the test, bound and waiting for SIPp's calls. */
export class SipLoadLab {
  readonly #lab: LoopbackLab;
  readonly #caller: string;
  readonly #gateway: string;
  readonly #ms: string;
  readonly #books: { calls: number };

  private constructor(lab: LoopbackLab, caller: string, gateway: string, books: { calls: number }) {
    this.#lab = lab;
    this.#caller = caller;
    this.#gateway = gateway;
    const ms = lab.sipListener('ms', 'client');
    this.#ms = `${ms.address}:${ms.port}`;
    this.#books = books;
  }

  /**
   * Binds the Mediation Server on `127.<base>.x.y` at its fixed SIP ports.
   * @throws {SimError} `SIM_ERR_SIP_BIND` when an address is taken (another test runs?).
   */
  static async open(logger: Logger, base: number): Promise<SipLoadLab> {
    const loaded = loadScenarioText(SIP_LOAD_SCENARIO, '<sip load>');
    if (!loaded.ok) {
      throw new InternalError(
        `the signalling load scenario does not load: ${loaded.problems.map((p) => p.message).join('; ')}`,
      );
    }
    const scenario = loaded.scenario;
    // The lab places hosts by the same rule: the peers' addresses are known before it opens.
    const addressing = assignLoopback(scenario, base);
    const caller = addressing.addressOf('caller');
    const gateway = addressing.addressOf('gw');
    const external = new Map([
      ['caller', { address: caller, port: CALLER_PORT }],
      ['gw', { address: gateway, port: GATEWAY_PORT }],
    ]);
    const books = { calls: 0 };
    const lab = await LoopbackLab.open(
      scenario,
      {
        logger,
        media: endpointMedia(logger, (a) => addressing.hostOf(a)),
        externalHosts: external,
        // The load prints SIPp's counts and the Mediation Server's CPU, no call's ladder.
        sipLog: false,
      },
      { fixedPorts: true, loopbackBase: base, onCall: () => books.calls++ },
    );
    lab.start({ timeline: false });
    return new SipLoadLab(lab, caller, gateway, books);
  }

  /** Where the Mediation Server's client side listens (`address:port`). */
  get mediationServer(): string {
    return this.#ms;
  }

  /** Runs one step: see {@link SipStepOptions}. */
  async step(o: SipStepOptions): Promise<SipStepResult> {
    const dir = mkdtempSync(join(tmpdir(), 'mediapath-sip-load-'));
    let uas: SippProcess | undefined;
    try {
      writeSippScenarios(dir);
      uas = startSipp(
        dir,
        [
          '-sf',
          'uas.xml',
          '-i',
          this.#gateway,
          '-p',
          String(GATEWAY_PORT),
          '-mi',
          this.#gateway,
        ].concat(['-buff_size', SIPP_BUFFER, '-trace_stat', '-stf', 'uas-stat.csv', '-fd', '1']),
        o.sippCpu,
      );
      // SIPp binds within a few milliseconds; the first INVITE must find the gateway up.
      await delay(500);
      return await this.#measure(dir, uas, o);
    } finally {
      uas?.kill();
      await uas?.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async #measure(dir: string, uas: SippProcess, o: SipStepOptions): Promise<SipStepResult> {
    const calls = Math.max(1, Math.round(o.rate * o.seconds));
    const timeout = Math.ceil(o.seconds + o.holdMs / 1000 + 40);
    const busy0 = machineBusySeconds();
    const uas0 = processCpuSeconds(uas.pid);
    const reaped0 = reapedChildrenCpuSeconds();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const uac = startSipp(
      dir,
      ['-sf', 'uac.xml', '-i', this.#caller, '-p', String(CALLER_PORT), '-mi', this.#caller]
        .concat(['-s', DIALLED, '-r', String(o.rate), '-m', String(calls)])
        .concat(['-d', String(o.holdMs), '-timeout', `${timeout}s`, '-buff_size', SIPP_BUFFER])
        .concat(['-trace_stat', '-stf', 'uac-stat.csv', '-trace_rtt', '-rtt_freq', '1'])
        .concat([this.#ms]),
      o.sippCpu,
    );
    const steady = steadyWindow(o);
    const exit = await uac.exited;
    const steadyCpu = await steady;
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const uas1 = processCpuSeconds(uas.pid);
    const busy1 = machineBusySeconds();
    const reaped = reapedChildrenCpuSeconds() - reaped0;
    const msCpuSeconds = (cpu.user + cpu.system) / 1e6;
    const sipp = uas0 === null || uas1 === null ? null : uas1 - uas0 + reaped;
    // The gateway's statistics are written every second: wait for the line after the end.
    await delay(1100);
    const st = lastSippStats(join(dir, 'uac-stat.csv'));
    const gw = lastSippStats(join(dir, 'uas-stat.csv'));
    const attempted = sippCount(st, 'OutgoingCall(C)');
    const completed = sippCount(st, 'SuccessfulCall(C)');
    const rtt = sippResponseTimes(dir, 1);
    const memory = process.memoryUsage();
    return {
      rate: o.rate,
      attempted,
      completed,
      failed: Math.max(sippCount(st, 'FailedCall(C)'), attempted - completed),
      retransmissions: sippCount(st, 'Retransmissions(C)') + sippCount(gw, 'Retransmissions(C)'),
      inviteP50Ms: rtt?.p50 ?? null,
      inviteP99Ms: rtt?.p99 ?? null,
      wallSeconds: wall,
      msCpu: steadyCpu ?? msCpuSeconds / wall,
      msCpuUsPerCall: completed > 0 ? (msCpuSeconds * 1e6) / completed : null,
      sippCpu: sipp === null ? null : sipp / wall,
      otherCpu:
        busy0 === null || busy1 === null || sipp === null
          ? null
          : Math.max(0, (busy1 - busy0 - msCpuSeconds - sipp) / wall),
      sippExit: exit,
      heapMB: Math.round(memory.heapUsed / 1e6),
      rssMB: Math.round(memory.rss / 1e6),
    };
  }

  /** Calls the lab has summarised and forgotten so far. */
  get summarisedCalls(): number {
    return this.#books.calls;
  }

  /** Closes every socket of the lab. */
  close(): Promise<void> {
    return this.#lab.close();
  }
}

/** A number with `digits` decimals, or `-` when unknown. */
function fixed(n: number | null, digits: number): string {
  return n === null ? '-' : n.toFixed(digits);
}

/**
 * The steps as a table: one row per rate, the columns the issue of a CI user asks for (calls
 * attempted, completed, failed, retransmissions, INVITE-to-200 p50 and p99, the Mediation
 * Server's CPU), and the CPU per call and what other processes took.
 */
export function formatSipSteps(steps: readonly SipStepResult[]): string {
  const head = [
    'calls/s',
    'attempted',
    'completed',
    'failed',
    'retrans',
    'p50 ms',
    'p99 ms',
    'MS CPU %',
    'CPU us/call',
    'SIPp %',
    'other %',
    'RSS MB',
  ];
  const rows = steps.map((s) => [
    String(s.rate),
    String(s.attempted),
    String(s.completed),
    String(s.failed),
    String(s.retransmissions),
    fixed(s.inviteP50Ms, 0),
    fixed(s.inviteP99Ms, 0),
    fixed(s.msCpu * 100, 1),
    fixed(s.msCpuUsPerCall, 0),
    fixed(s.sippCpu === null ? null : s.sippCpu * 100, 0),
    fixed(s.otherCpu === null ? null : s.otherCpu * 100, 0),
    String(s.rssMB),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

/** The highest rate of a run of steps, from the lowest, with no call failed (0 when none). */
export function kneeOf(steps: readonly SipStepResult[]): number {
  let knee = 0;
  for (const s of [...steps].sort((a, b) => a.rate - b.rate)) {
    if (s.failed > 0 || s.completed === 0) {
      break;
    }
    knee = s.rate;
  }
  return knee;
}
