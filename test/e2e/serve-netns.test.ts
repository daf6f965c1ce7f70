import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsAvailable } from '../../src/net/netns.js';
import { namespaces } from '../support/netns.js';
import { SIPP_SCENARIOS, sippAvailable } from '../support/sip-sipp.js';

/**
 * `mediapath serve --net netns`: every host in its site's namespace on its scenario IP, one
 * agent per host; SIPp, run in the Portland namespace as the outside gateway, calls the branch
 * user (bypassed) and the headquarters user (relayed) through the Mediation Server's agent.
 * The report written on Ctrl-C shows both calls with their observed paths, and nothing of the
 * run is left behind. Needs root and sipp.
 */
const available = (await netnsAvailable()) && sippAvailable();
const BIN = join(process.cwd(), 'bin', 'mediapath.js');
const FIXTURE = 'test/fixtures/scenarios/serve-sipp.yaml';

interface Doc {
  readonly mode: string;
  readonly serve: { readonly calls: number };
  readonly calls: readonly {
    to: string;
    decision: string;
    state: string;
    observedPath: { forward: { hops: string[]; complete: boolean } };
  }[];
}

/** SIPp in a namespace, placing one call from the outside gateway's address. */
function sippIn(ns: string, service: string, port: number, mediaPort: number): ChildProcess {
  return spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      'sipp',
      '-sf',
      SIPP_SCENARIOS.uacCall,
      '-i',
      '172.29.77.200',
      '-p',
      String(port),
      '-mi',
      '172.29.77.200',
      '-mp',
      String(mediaPort),
      '-s',
      service,
      '-m',
      '1',
      '-d',
      '3000',
      '-rtp_echo',
      '-timeout',
      '20s',
      '-timeout_error',
      '-nostdin',
      '172.28.152.131:5061',
    ],
    { stdio: 'ignore' },
  );
}

describe.skipIf(!available)('SIPp into mediapath serve --net netns', () => {
  let dir: string;
  let doc: Doc;
  let runId = '';
  let codes: (number | null)[] = [];
  let serveCode: number | null = null;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediapath-serve-ns-'));
    const json = join(dir, 'serve.json');
    const serve = spawn(
      process.execPath,
      [BIN, 'serve', '--net', 'netns', FIXTURE, '--json', json],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    const exited = new Promise<number | null>((r) => serve.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve not ready: ${err}`)), 30_000);
      serve.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('ready (pid')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    runId = /\(run ([0-9a-f]{4}):/.exec(err)?.[1] ?? '';
    const ns = /gw-por {2}172\.29\.77\.200:5070 {2}ip netns exec (\S+)/.exec(err)?.[1] ?? '';
    if (!/^mp[0-9a-f]{4}-s\d$/.test(ns)) {
      throw new Error(`no namespace for gw-por in: ${err}`);
    }
    const sipps = [sippIn(ns, 'alice', 5090, 6000), sippIn(ns, '13125550101', 5092, 6100)];
    codes = await Promise.all(
      sipps.map((p) => new Promise<number | null>((r) => p.once('exit', r))),
    );
    serve.kill('SIGINT');
    serveCode = await exited;
    doc = JSON.parse(await readFile(json, 'utf8')) as Doc;
  }, 90_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('both SIPp calls went through, and serve stopped cleanly, leaving no namespace', async () => {
    expect(codes).toEqual([0, 0]);
    expect(serveCode).toBe(0);
    expect(doc.mode).toBe('serve-netns');
    expect(doc.serve.calls).toBe(2);
    expect((await namespaces()).filter((n) => n.startsWith(`mp${runId}-`))).toEqual([]);
  });

  it('observes the bypassed call gateway -> alice and the relayed one through the Mediation Server', () => {
    const alice = doc.calls.find((c) => c.to === 'alice');
    const bob = doc.calls.find((c) => c.to === 'bob');
    expect(alice).toMatchObject({ decision: 'BYPASS', state: 'completed' });
    expect(alice?.observedPath.forward).toMatchObject({
      hops: ['gw-por', 'alice'],
      complete: true,
    });
    expect(bob?.state).toBe('completed');
    expect(bob?.observedPath.forward).toMatchObject({
      hops: ['gw-por', 'ms-chi', 'bob'],
      complete: true,
    });
  });
});
