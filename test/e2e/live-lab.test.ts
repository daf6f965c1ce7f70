import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { cli } from '../support/cli.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mediapath-live-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A command running in this process, its standard error readable while it runs. */
function running(args: string[]): {
  readonly done: Promise<number>;
  err: () => string;
  out: () => string;
  waitFor: (text: string, timeoutMs?: number) => Promise<void>;
  /** A line on the command's standard input. */
  type: (line: string) => void;
  stop: () => void;
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  const abort = new AbortController();
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiters.filter((x) => err.includes(x.text))) {
      w.resolve();
    }
  });
  const done = main(args, { stdout, stderr, stdin, env: {}, signal: abort.signal });
  return {
    done,
    err: () => err,
    out: () => out,
    waitFor: (text, timeoutMs = 15_000) =>
      err.includes(text)
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const t = setTimeout(() => {
              reject(new Error(`no "${text}" within ${timeoutMs} ms; stderr:\n${err}`));
            }, timeoutMs);
            waiters.push({
              text,
              resolve: () => {
                clearTimeout(t);
                resolve();
              },
            });
          }),
    type: (line) => {
      stdin.write(`${line}\n`);
    },
    stop: () => {
      abort.abort();
    },
  };
}

interface LiveDoc {
  readonly mode: string;
  readonly calls: readonly {
    id: string;
    decision: string;
    configVersion?: string;
    endedAt: number | null;
    observedPath: { forward: { hops: string[] } };
  }[];
  readonly live: {
    readonly roundsPlaced: number;
    readonly configVersion: string;
    readonly versions: readonly {
      version: string;
      sha256: string;
      source: string;
      inForceAt: number | null;
      statements: string[];
    }[];
    readonly refused: readonly { source: string; problems: string[] }[];
  };
}

/**
 * The unmapped-subnet lab, live: its branch users' subnet is in no site, so their calls are
 * relayed at headquarters. The trainee maps the subnet while the first round is up: the call
 * already up keeps its relayed path, the next round's calls bypass the Mediation Server (an
 * outbound call, which the Mediation Server decides, and an inbound one, which the client
 * decides by its bypass ID). A cmdlet that breaks a rule makes no version; a file written by
 * hand that breaks one is refused by the running lab, and the version in force stays.
 */
describe('a live lab', () => {
  it('takes an applied fix for the next calls, keeps the calls up on their path, refuses invalid versions', async () => {
    const dir = join(tmp, 'unmapped');
    expect((await cli(['lab', 'start', 'unmapped-subnet', dir])).code).toBe(0);
    const json = join(tmp, 'live.json');
    const lab = running(['lab', 'run', dir, '--rounds', '2', '--pause', '0.5', '--json', json]);
    try {
      await lab.waitFor('round 1 [v0] branch-out-local alice -> gw-por: CAC-ADMITTED');

      // The fix, applied as the trainee would from another terminal, while round 1 is up.
      const fix = await cli([
        'apply',
        join('labs', 'unmapped-subnet', 'solution', 'solution.ps1'),
        dir,
      ]);
      expect(fix.code).toBe(0);
      await lab.waitFor('v1 in force');

      // A change that breaks a rule is refused by the cmdlet: no new version is written.
      const scenarioFile = join(dir, 'scenario.yaml');
      const before = await readFile(scenarioFile, 'utf8');
      const bad = join(tmp, 'bad.ps1');
      await writeFile(
        bad,
        'New-CsNetworkSubnet -Identity 172.29.77.5 -MaskBits 24 -NetworkSiteID Portland\n',
      );
      expect((await cli(['apply', bad, dir])).code).toBe(ExitCode.COMMAND_REFUSED);
      expect(await readFile(scenarioFile, 'utf8')).toBe(before);

      // A version written by hand that breaks a rule (AlwaysBypass with CAC on) is refused by
      // the running lab; v1 stays in force.
      const hand = before.replace(
        'mediaBypassSettings: { enabled: true }',
        'mediaBypassSettings: { enabled: true, alwaysBypass: true }',
      );
      expect(hand).not.toBe(before);
      await writeFile(`${scenarioFile}.tmp`, hand);
      await rename(`${scenarioFile}.tmp`, scenarioFile);
      await lab.waitFor('refused a new version of the scenario');
      expect(lab.err()).toContain('[d.V1]');
      expect(lab.err()).toContain('v1 stays in force');

      expect(await lab.done).toBe(ExitCode.OK);
    } finally {
      lab.stop();
      await lab.done.catch(() => undefined);
    }
    const err = lab.err();
    expect(err).toContain('round 2 [v1] branch-out-local#2 alice -> gw-por: BYPASS');
    expect(err).toContain('round 2 [v1] branch-in-local#2 gw-por -> paula: BYPASS');
    expect(lab.out()).toContain('Configuration versions');

    const doc = JSON.parse(await readFile(json, 'utf8')) as LiveDoc;
    expect(doc.mode).toBe('live');
    const call = (id: string): LiveDoc['calls'][number] => {
      const c = doc.calls.find((x) => x.id === id);
      if (!c) {
        throw new Error(`no call ${id} in the report`);
      }
      return c;
    };
    const [v0, v1] = doc.live.versions;
    expect(doc.live.versions.map((v) => v.version)).toEqual(['v0', 'v1']);
    expect(v1?.source).toBe('apply');
    expect(v1?.statements.join(' ')).toContain('New-CsNetworkSubnet -Identity 172.29.77.0');
    expect(v1?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v0?.sha256).not.toBe(v1?.sha256);
    expect(doc.live.configVersion).toBe('v1');
    expect(doc.live.refused).toHaveLength(1);
    expect(doc.live.refused[0]?.source).toBe('hand');

    // The call up when v1 came in keeps its relayed path, and ended after the change.
    const first = call('branch-out-local');
    expect(first.configVersion).toBe('v0');
    expect(first.decision).toBe('CAC-ADMITTED');
    expect(first.observedPath.forward.hops).toEqual(['alice', 'ms-chi', 'gw-por']);
    expect(first.endedAt ?? 0).toBeGreaterThan((v1?.inForceAt ?? Infinity) * 1000);

    // The next round's calls flip from relay to bypass: outbound and inbound.
    for (const [id, hops] of [
      ['branch-out-local#2', ['alice', 'gw-por']],
      ['branch-in-local#2', ['gw-por', 'paula']],
    ] as const) {
      const c = call(id);
      expect({ id, version: c.configVersion, decision: c.decision }).toEqual({
        id,
        version: 'v1',
        decision: 'BYPASS',
      });
      expect({ id, hops: c.observedPath.forward.hops }).toEqual({ id, hops });
    }
    // Every branch-local call is relayed under v0 and bypassed under v1, whenever it started.
    for (const c of doc.calls.filter(
      (x) => x.id.startsWith('branch-') && x.id.includes('-local'),
    )) {
      expect({
        id: c.id,
        decision: c.decision,
        relayed: c.observedPath.forward.hops.includes('ms-chi'),
      }).toEqual({
        id: c.id,
        decision: c.configVersion === 'v1' ? 'BYPASS' : 'CAC-ADMITTED',
        relayed: c.configVersion === 'v0',
      });
    }
    expect(doc.live.roundsPlaced).toBe(2);
  }, 60_000);

  it('starts a lab live with calls on demand, each decided under the version in force', async () => {
    const dir = join(tmp, 'on-demand');
    const json = join(tmp, 'on-demand.json');
    const lab = running([
      'lab',
      'start',
      'unmapped-subnet',
      dir,
      '--live',
      '--rounds',
      '0',
      '--json',
      json,
    ]);
    try {
      await lab.waitFor('calls on demand only');
      lab.type('call alice gw-por 1');
      await lab.waitFor('now-1 ended');
      expect(
        (await cli(['apply', join('labs', 'unmapped-subnet', 'solution', 'solution.ps1'), dir]))
          .code,
      ).toBe(0);
      await lab.waitFor('v1 in force');
      lab.type('call alice gw-por 1');
      await lab.waitFor('now-2 ended');
      lab.type('quit');
      expect(await lab.done).toBe(ExitCode.OK);
    } finally {
      lab.stop();
      await lab.done.catch(() => undefined);
    }
    expect(lab.out()).toContain('Started "An unmapped subnet"');
    expect(lab.err()).toContain('on demand [v0] now-1 alice -> gw-por: CAC-ADMITTED');
    expect(lab.err()).toContain('on demand [v1] now-2 alice -> gw-por: BYPASS');
    const doc = JSON.parse(await readFile(json, 'utf8')) as LiveDoc;
    expect(doc.calls.map((c) => [c.id, c.configVersion, c.observedPath.forward.hops])).toEqual([
      ['now-1', 'v0', ['alice', 'ms-chi', 'gw-por']],
      ['now-2', 'v1', ['alice', 'gw-por']],
    ]);
    expect(doc.live.roundsPlaced).toBe(0);
  }, 30_000);

  it('refuses live options without --live, and a bad number of rounds', async () => {
    const dir = join(tmp, 'opts');
    const r = await cli(['lab', 'start', 'unmapped-subnet', dir, '--rounds', '2']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toContain('only with --live');
    expect(
      (await cli(['run', 'scenarios/branch-office.yaml', '--live', '--rounds', 'x'])).code,
    ).toBe(ExitCode.USAGE);
  });
});
