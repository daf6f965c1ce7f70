import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIPP_SCENARIOS, sippAvailable, startSipp, type SippRun } from '../support/sip-sipp.js';

/**
 * SIPp calls into `mediapath serve` from outside, as the scenario's Portland gateway (an
 * outside peer): one call to the branch user by name (bypassed: SIPp's media goes straight to
 * the client) and one to the headquarters user by line URI number (relayed by the Mediation
 * Server). SIPp echoes the RTP it receives. The report written on Ctrl-C shows both calls,
 * decided and observed hop by hop, and the calls file has one line per call.
 */
const CI = process.env.CI === 'true';
const have = sippAvailable();
if (CI && !have) {
  throw new Error('CI needs sipp (Debian package sip-tester; .ci/run installs it)');
}
const BIN = join(process.cwd(), 'bin', 'mediapath.js');
const FIXTURE = 'test/fixtures/scenarios/serve-sipp.yaml';
/** An address block of its own, so that another lab on this machine does not collide. */
const BASE = 93;

interface Doc {
  readonly mode: string;
  readonly serve: { readonly calls: number; readonly byState: Record<string, number> };
  readonly calls: readonly {
    id: string;
    from: string;
    to: string;
    decision: string;
    state: string;
    media: string;
    observedPath: { forward: { hops: string[]; complete: boolean } };
  }[];
}

describe.skipIf(!have)('SIPp into mediapath serve', () => {
  let dir: string;
  let serve: ChildProcess;
  let err = '';
  let out = '';
  const sipps: SippRun[] = [];
  let doc: Doc;
  let lines: string[];
  let listened = { gw: '', ms: '' };
  let sippCodes: (number | null)[] = [];
  let serveCode: number | null = null;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediapath-serve-'));
    const json = join(dir, 'serve.json');
    const calls = join(dir, 'calls.jsonl');
    serve = spawn(
      process.execPath,
      [BIN, 'serve', FIXTURE, '--loopback-base', String(BASE), '--json', json, '--calls', calls],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    serve.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => serve.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve not ready: ${err}`)), 15_000);
      serve.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('ready (pid')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const gwAddress = /gw-por {2}(\S+):5070/.exec(err)?.[1];
    const msGateway = /gateway side (\S+)/.exec(err)?.[1];
    listened = { gw: gwAddress ?? '', ms: msGateway ?? '' };
    for (const service of ['alice', '13125550101']) {
      sipps.push(
        await startSipp({
          scenario: SIPP_SCENARIOS.uacCall,
          address: gwAddress ?? '',
          remote: msGateway ?? '',
          service,
          rtpEcho: true,
          holdMs: 3000,
          timeoutSec: 20,
        }),
      );
    }
    sippCodes = (await Promise.all(sipps.map((s) => s.wait()))).map((r) => r.code);
    serve.kill('SIGINT');
    serveCode = await exited;
    doc = JSON.parse(await readFile(json, 'utf8')) as Doc;
    lines = (await readFile(calls, 'utf8')).trim().split('\n');
  }, 60_000);

  afterAll(async () => {
    for (const s of sipps) {
      await s.close();
    }
    if (serve.exitCode === null) {
      serve.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });

  const callTo = (to: string) => {
    const c = doc.calls.find((x) => x.to === to);
    if (!c) {
      throw new Error(`no call to ${to}`);
    }
    return c;
  };

  it('prints where outside peers send from and whom they call; SIPp and serve end cleanly', () => {
    expect(listened).toEqual({ gw: `127.${BASE}.0.5`, ms: `127.${BASE}.0.3:5061` });
    expect(sippCodes).toEqual([0, 0]);
    expect(serveCode).toBe(0);
  });

  it('reports both calls as calls of the run, placed from outside', () => {
    expect(doc.mode).toBe('serve');
    expect(doc.serve.calls).toBe(2);
    expect(doc.serve.byState).toEqual({ completed: 2 });
    expect(doc.calls.map((c) => c.id).sort()).toEqual(['ext-1', 'ext-2']);
    expect(lines).toHaveLength(2);
    expect(out).toContain('2 calls finished: 2 completed');
  });

  it('bypassed: SIPp calls alice by name and its echo reaches alice straight from the gateway', () => {
    const c = callTo('alice');
    expect(c).toMatchObject({ from: 'gw-por', decision: 'BYPASS', state: 'completed' });
    expect(c.observedPath.forward).toMatchObject({ hops: ['gw-por', 'alice'], complete: true });
  });

  it('relayed: SIPp calls bob by line URI number and its media crosses the Mediation Server', () => {
    const c = callTo('bob');
    expect(c).toMatchObject({ from: 'gw-por', state: 'completed' });
    expect(c.decision).not.toBe('BYPASS');
    expect(c.observedPath.forward).toMatchObject({
      hops: ['gw-por', 'ms-chi', 'bob'],
      complete: true,
    });
  });
});
