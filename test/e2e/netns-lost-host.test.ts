import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsAvailable } from '../../src/net/netns.js';
import { namespaces } from '../support/netns.js';

/**
 * A multi-process run (network namespaces, one agent per host) that loses a host: the agent
 * dies mid-run, its calls end as `lost`, the run goes on, the report is written and names the
 * lost host, and the exit code says the run was degraded (7). A Mediation Server agent
 * restarted on the same address serves the calls that come after, and the dialogs the dead
 * one held are unknown to it: the caller's BYE gets 481. Needs root; the agents this test
 * kills and starts are its own run's, found by pid.
 */
const sh = promisify(execFile);
const available = await netnsAvailable();
const BIN = join(process.cwd(), 'bin', 'mediapath.js');
const FIXTURE = 'test/fixtures/scenarios/netns-lost-host.yaml';

/** The CLI as a child process; `onErr` sees stderr as it comes. */
function cli(
  args: string[],
  onErr?: (text: string) => void,
): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    onErr?.(err);
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    child.once('exit', (code) => {
      resolve({ code, out, err });
    });
  });
  return { child, done };
}

/** The pid of this run's agent for a host (its command line names the run's socket). */
async function agentPid(runId: string, host: string): Promise<number> {
  const { stdout } = await sh('pgrep', ['-f', `mediapath-${runId}\\.sock.* --host ${host}( |$)`]);
  const pid = Number(stdout.trim().split('\n')[0]);
  if (!(pid > 0)) {
    throw new Error(`no agent for ${host}`);
  }
  return pid;
}

interface Doc {
  readonly lost: readonly { host: string; at: number; rejoinedAt: number | null }[];
  readonly calls: readonly {
    id: string;
    state: string;
    media: string;
    finalReason: string | null;
    legs: readonly { host: string; peer: string; end: string; byeStatus: number | null }[];
  }[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-lost-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('a run in namespaces that loses a host', () => {
  it('a gateway agent dies: its call ends as lost, the others complete, exit code 7', async () => {
    const json = join(dir, 'gw.json');
    let runId = '';
    let killed = false;
    const r = cli(['run', '--net', 'netns', FIXTURE, '--json', json], (err) => {
      runId ||= /\(run ([0-9a-f]{4}):/.exec(err)?.[1] ?? '';
      // The first progress line comes half a second into the run.
      if (!killed && runId && err.includes('running ')) {
        killed = true;
        setTimeout(() => {
          void agentPid(runId, 'gw-por').then((pid) => process.kill(pid, 'SIGKILL'));
        }, 1500);
      }
    });
    const { code, out } = await r.done;
    expect(code).toBe(7);
    expect(out).toMatch(/Degraded run: lost gw-por at \d+\.\d s \(its agent (exited|left)/);
    const doc = JSON.parse(await readFile(json, 'utf8')) as Doc;
    expect(doc.lost.map((l) => l.host)).toEqual(['gw-por']);
    const state = Object.fromEntries(doc.calls.map((c) => [c.id, c.state]));
    expect(state).toEqual({
      long: 'lost',
      'later-bypassed': 'completed',
      'later-relayed': 'completed',
    });
    expect(doc.calls.find((c) => c.id === 'long')?.finalReason).toMatch(/^gw-por lost at /);
    expect((await namespaces()).filter((n) => n.startsWith(`mp${runId}-`))).toEqual([]);
  }, 60_000);

  it('a Mediation Server agent restarted on the same address serves new calls; lost dialogs get 481', async () => {
    const json = join(dir, 'ms.json');
    let runId = '';
    let killed = false;
    let restarted: ChildProcess | undefined;
    const r = cli(['run', '--net', 'netns', FIXTURE, '--json', json], (err) => {
      runId ||= /\(run ([0-9a-f]{4}):/.exec(err)?.[1] ?? '';
      if (!killed && runId && err.includes('running ')) {
        killed = true;
        setTimeout(() => {
          void (async () => {
            const pid = await agentPid(runId, 'ms-chi');
            const { stdout } = await sh('ip', ['netns', 'identify', String(pid)]);
            process.kill(pid, 'SIGKILL');
            await new Promise((res) => setTimeout(res, 1000));
            restarted = spawn(
              'ip',
              [
                'netns',
                'exec',
                stdout.trim(),
                process.execPath,
                BIN,
                'agent',
                '--control',
                `unix:${join(tmpdir(), `mediapath-${runId}.sock`)}`,
                '--host',
                'ms-chi',
                '--connect-timeout',
                '5',
              ],
              { stdio: 'ignore' },
            );
          })();
        }, 1500);
      }
    });
    const { code, out } = await r.done;
    const agentExit = await new Promise<number | null>((res) => {
      const again = restarted;
      if (again?.exitCode === null) {
        again.once('exit', res);
      } else {
        res(again?.exitCode ?? null);
      }
    });
    expect(code).toBe(7);
    expect(agentExit).toBe(0);
    expect(out).toMatch(/Degraded run: lost ms-chi at \d+\.\d s .*, back at \d+\.\d s/);
    const doc = JSON.parse(await readFile(json, 'utf8')) as Doc;
    const calls = Object.fromEntries(doc.calls.map((c) => [c.id, c]));
    expect(calls.long?.state).toBe('lost');
    // bob hung up the long call at 5 s towards the restarted Mediation Server: 481.
    const bye = calls.long?.legs.find((l) => l.host === 'bob' && l.end === 'bye-sent');
    expect(bye?.byeStatus).toBe(481);
    expect(calls['later-bypassed']?.state).toBe('completed');
    expect(calls['later-relayed']).toMatchObject({ state: 'completed', media: 'both-ways' });
    expect(doc.lost).toEqual([
      expect.objectContaining({ host: 'ms-chi', rejoinedAt: expect.any(Number) as number }),
    ]);
  }, 60_000);
});
