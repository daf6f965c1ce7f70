import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignLoopback, endpointMedia, runLab, type LabResult } from '../../../src/lab/index.js';
import { loadScenarioFile, type Scenario } from '../../../src/scenario/index.js';
import { SIPP_SCENARIOS, sippAvailable, startSipp, type SippRun } from '../../support/sip-sipp.js';

/**
 * SIPp plays the branch PSTN gateway of a live run: as the UAS that answers the calls the
 * Mediation Server places (bypassed and relayed), and as the UAC of an inbound call. The SDP
 * SIPp receives and the RTP it echoes prove each call's media path; a loopback capture with
 * tshark shows the same flows on the wire.
 */
const CI = process.env.CI === 'true';
const haveTools = sippAvailable() && commandExists('tshark');
if (CI && !haveTools) {
  throw new Error(
    'CI needs sipp and tshark (Debian packages sip-tester and tshark; .ci/run installs them)',
  );
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveTools)('SIPp as the branch gateway of a live run', () => {
  let scenario: Scenario;
  let dir: string;
  let uas: SippRun | undefined;
  let uac: SippRun | undefined;
  let tshark: ChildProcess | undefined;
  let result: LabResult;
  let capture: { src: string; sport: number; dst: string; dport: number }[] = [];
  const addr = { gw: '', alice: '', bob: '', msGateway: '' };

  beforeAll(async () => {
    const loaded = await loadScenarioFile('test/fixtures/scenarios/sipp-gateway.yaml');
    if (!loaded.ok) {
      throw new Error('fixture scenario is invalid');
    }
    scenario = loaded.scenario;
    const a = assignLoopback(scenario);
    addr.gw = a.addressOf('gw-por');
    addr.alice = a.addressOf('alice');
    addr.bob = a.addressOf('bob');
    addr.msGateway = a.gatewaySideOf('ms-chi');
    dir = await mkdtemp(join(tmpdir(), 'mediapath-sipp-'));
    const pcap = join(dir, 'lo.pcap');
    tshark = spawn(
      'tshark',
      ['-i', 'lo', '-f', `udp and host ${addr.gw}`, '-w', pcap, '-a', 'duration:30', '-q'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tshark did not start')), 10_000);
      tshark?.stderr?.on('data', (d: Buffer) => {
        if (d.toString().includes('Capturing on')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    uas = await startSipp({
      scenario: SIPP_SCENARIOS.uasAnswer,
      address: addr.gw,
      rtpEcho: true,
      calls: 2,
      timeoutSec: 20,
    });
    const logger = pino({ level: 'warn' });
    result = await runLab(scenario, {
      logger,
      media: endpointMedia(logger, (x) => a.hostOf(x)),
      externalHosts: new Map([['gw-por', { address: addr.gw, port: uas.port }]]),
      graceMs: 5000,
      onReady: async (sip) => {
        const ms = sip('ms-chi', 'gateway');
        uac = await startSipp({
          scenario: SIPP_SCENARIOS.uacCall,
          address: addr.gw,
          remote: `${ms.address}:${ms.port}`,
          service: 'alice',
          rtpEcho: true,
          holdMs: 3000,
          timeoutSec: 20,
        });
      },
    });
    await uas.wait();
    await uac?.wait();
    tshark.kill('SIGINT');
    await new Promise((r) => tshark?.once('exit', r));
    const out = execFileSync(
      'tshark',
      [
        '-r',
        pcap,
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'udp.srcport',
        '-e',
        'ip.dst',
        '-e',
        'udp.dstport',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    capture = out
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .map(([src, sport, dst, dport]) => ({
        src: src ?? '',
        sport: Number(sport),
        dst: dst ?? '',
        dport: Number(dport),
      }));
  }, 60_000);

  afterAll(async () => {
    await uas?.close();
    await uac?.close();
    if (tshark?.exitCode === null) {
      tshark.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });

  const call = (id: string) => {
    const c = result.calls.find((x) => x.call.id === id);
    if (!c) {
      throw new Error(`no call ${id}`);
    }
    return c;
  };
  const fromTo = (c: ReturnType<typeof call>, receiver: string, source: string): number =>
    c.media.received
      .filter((s) => s.receiver === receiver && s.source === source)
      .reduce((n, s) => n + s.packets, 0);
  const invitesSdpAddresses = (): string[] =>
    (uas?.messages() ?? [])
      .filter((m) => m.dir === 'received' && m.text.startsWith('INVITE '))
      .map((m) => /c=IN IP4 (\S+)/.exec(m.text)?.[1] ?? '?');
  const rtp = (src: string, dst: string, dport?: number): number =>
    capture.filter(
      (p) =>
        p.src === src &&
        p.dst === dst &&
        p.sport !== uas?.port &&
        p.dport !== uas?.port &&
        (dport === undefined || p.dport === dport),
    ).length;

  it('bypass: SIPp is offered the client media address and echoes RTP straight back to the client', () => {
    const c = call('bypassed');
    expect(c.decision.decision).toBe('BYPASS');
    expect(c.finalStatus).toBe(200);
    expect(invitesSdpAddresses()[0]).toBe(addr.alice);
    expect(fromTo(c, 'alice', 'gw-por')).toBeGreaterThan(100);
    expect(c.media.received.some((s) => s.receiver === 'ms-chi')).toBe(false);
    expect(rtp(addr.alice, addr.gw, uas?.mediaPort)).toBeGreaterThan(100);
  });

  it('relay: SIPp is offered the Mediation Server address; the echo comes back through the relay', () => {
    const c = call('relayed');
    expect(c.decision.decision).toBe('CAC-ADMITTED');
    expect(c.finalStatus).toBe(200);
    expect(invitesSdpAddresses()[1]).toBe(addr.msGateway);
    expect(fromTo(c, 'ms-chi', 'gw-por')).toBeGreaterThan(100);
    expect(fromTo(c, 'bob', 'ms-chi')).toBeGreaterThan(100);
    expect(rtp(addr.msGateway, addr.gw, uas?.mediaPort)).toBeGreaterThan(100);
    // Only SIPp's own media port counts: another live run on this machine may give its hosts
    // the same loopback addresses, and the capture sees every packet on lo.
    expect(rtp(addr.bob, addr.gw, uas?.mediaPort)).toBe(0);
  });

  it('inbound: SIPp calls in, the client matches the gateway bypass ID and takes the direct path', () => {
    const c = call('inbound');
    expect(c.decision.decision).toBe('BYPASS');
    expect(c.state).toBe('completed');
    expect(fromTo(c, 'alice', 'gw-por')).toBeGreaterThan(100);
    expect(rtp(addr.alice, addr.gw, uac?.mediaPort)).toBeGreaterThan(100);
    expect(rtp(addr.msGateway, addr.gw, uac?.mediaPort)).toBe(0);
  });
});
