import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsAvailable } from '../../src/net/netns.js';
import { namespaces } from '../support/netns.js';
import { essence, type RunDoc } from '../support/run-doc.js';

const run = promisify(execFile);
const available = await netnsAvailable();
if (process.env.CI === 'true' && !available) {
  throw new Error('CI runs as root with iproute2: the netns mode must be tested there');
}
const BIN = join(process.cwd(), 'bin', 'mediapath.js');

/** The CLI as a child process; `lines` sees stderr as it comes. */
function cli(
  args: string[],
  onErr?: (text: string, child: ChildProcess) => void,
): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    onErr?.(err, child);
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    child.once('exit', (code) => {
      resolve({ code, out, err });
    });
  });
  return { child, done };
}

/** Processes whose command line mentions this run's control socket (its agents). */
async function agentsOf(runId: string): Promise<string[]> {
  const { stdout } = await run('pgrep', ['-af', `mediapath-${runId}.sock`]).catch(() => ({
    stdout: '',
  }));
  return stdout.split('\n').filter((l) => l.includes(' agent '));
}

function runIdOf(stderr: string): string {
  const id = /\(run ([0-9a-f]{4}):/.exec(stderr)?.[1];
  if (!id) {
    throw new Error(`no run id in: ${stderr}`);
  }
  return id;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-netns-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('run --net netns (root, real namespaces, one process per host)', () => {
  it('gives the branch-office scenario the same decisions and media paths as loopback, and leaves nothing behind', async () => {
    const lo = cli(['run', 'scenarios/branch-office.yaml', '--json', join(dir, 'lo.json')]);
    const ns = cli([
      'run',
      '--net',
      'netns',
      'scenarios/branch-office.yaml',
      '--json',
      join(dir, 'ns.json'),
    ]);
    const [a, b] = await Promise.all([lo.done, ns.done]);
    expect(a).toMatchObject({ code: 0 });
    expect(b).toMatchObject({ code: 0 });
    expect(b.out).toContain('in network namespaces, one process per host');
    expect(b.out).toContain('All 5 expectations met');
    const loDoc = JSON.parse(await readFile(join(dir, 'lo.json'), 'utf8')) as RunDoc;
    const nsDoc = JSON.parse(await readFile(join(dir, 'ns.json'), 'utf8')) as RunDoc;
    expect(nsDoc.mode).toBe('netns');
    expect(essence(nsDoc)).toEqual(essence(loDoc));
    const id = runIdOf(b.err);
    expect((await namespaces()).filter((n) => n.startsWith(`mp${id}-`))).toEqual([]);
    expect(await agentsOf(id)).toEqual([]);
  }, 60_000);

  it('runs two scenarios at once without collision', async () => {
    const one = cli(['run', '--net', 'netns', 'scenarios/default.yaml']);
    const two = cli(['run', '--net', 'netns', 'scenarios/sip-trunk-sbc.yaml']);
    const [a, b] = await Promise.all([one.done, two.done]);
    expect(a).toMatchObject({ code: 0 });
    expect(b).toMatchObject({ code: 0 });
    expect(runIdOf(a.err)).not.toBe(runIdOf(b.err));
    const left = await namespaces();
    for (const id of [runIdOf(a.err), runIdOf(b.err)]) {
      expect(left.filter((n) => n.startsWith(`mp${id}-`))).toEqual([]);
    }
  }, 60_000);

  it('on Ctrl-C ends every agent, removes every namespace and exits 130', async () => {
    let sent = false;
    const r = cli(['run', '--net', 'netns', 'scenarios/branch-office.yaml'], (err, child) => {
      if (!sent && err.includes('started 7 agents')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    });
    const { code, err } = await r.done;
    expect({ code, err }).toMatchObject({ code: 130 });
    const id = runIdOf(err);
    expect((await namespaces()).filter((n) => n.startsWith(`mp${id}-`))).toEqual([]);
    expect(await agentsOf(id)).toEqual([]);
  }, 60_000);

  it('after the orchestrator is killed, agents leave by themselves and net clean removes the namespaces', async () => {
    let killed = false;
    const r = cli(['run', '--net', 'netns', 'scenarios/default.yaml'], (err, child) => {
      if (!killed && err.includes('started 6 agents')) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), 1000);
      }
    });
    const { err } = await r.done;
    const id = runIdOf(err);
    expect((await namespaces()).filter((n) => n.startsWith(`mp${id}-`)).sort()).toEqual(
      [`mp${id}-r`, `mp${id}-s0`, `mp${id}-s1`].sort(),
    );
    let agents = await agentsOf(id);
    for (let i = 0; i < 100 && agents.length > 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
      agents = await agentsOf(id);
    }
    expect(agents).toEqual([]);
    const clean = cli(['net', 'clean', '--json', '-']);
    const c = await clean.done;
    expect(c).toMatchObject({ code: 0 });
    const removed = (JSON.parse(c.out) as { removed: string[] }).removed;
    expect(removed).toEqual(expect.arrayContaining([`mp${id}-r`, `mp${id}-s0`, `mp${id}-s1`]));
    expect((await namespaces()).filter((n) => n.startsWith(`mp${id}-`))).toEqual([]);
    expect(existsSync(join(tmpdir(), `mediapath-${id}.sock`))).toBe(false);
  }, 60_000);
});

describe.skipIf(!available)('run --net agents (agents started by hand, as in containers)', () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const ns of made) {
      await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
  });

  /**
   * A namespace of the test's own with the given addresses on its loopback interface, the
   * orchestrator of the default scenario and one agent per host in it.
   */
  async function agentsRun(
    name: string,
    ips: readonly string[],
    json: string,
  ): Promise<{
    code: number | null;
    out: string;
    err: string;
    agentExits: Promise<(number | null)[]>;
  }> {
    const ns = `mediapath-${name}-${process.pid}`;
    await run('ip', ['netns', 'add', ns]);
    made.push(ns);
    await run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    for (const ip of ips) {
      await run('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
    }
    const inNs = (args: string[]): ChildProcess =>
      spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const orchestrator = inNs([
      'run',
      '--net',
      'agents',
      '--listen',
      '127.0.0.1:7000',
      'scenarios/default.yaml',
      '--json',
      json,
    ]);
    let out = '';
    let err = '';
    orchestrator.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    orchestrator.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => orchestrator.once('exit', r));
    // Agents may start before the orchestrator listens: they keep trying.
    const agents = ['alice', 'bob', 'carol', 'ms-hq', 'gw-por', 'pstn'].map((host) =>
      inNs(['agent', '--control', '127.0.0.1:7000', '--host', host]),
    );
    const agentExits = Promise.all(
      agents.map((a) => new Promise<number | null>((r) => a.once('exit', r))),
    );
    const code = await exited;
    return { code, out, err, agentExits };
  }

  const HOST_IPS = [
    '172.28.152.130',
    '172.28.152.131',
    '172.29.77.200',
    '172.29.77.15',
    '172.28.152.150',
    '172.28.152.151',
  ];

  it('stops with SIM_ERR_LAB_SETUP naming the agent that cannot bind, and every agent leaves', async () => {
    // No 192.0.2.1 here: the PSTN's agent cannot bind its address.
    const r = await agentsRun('nopstn', HOST_IPS, join(dir, 'nopstn.json'));
    expect({ code: r.code, err: r.err }).toMatchObject({ code: 4 });
    expect(r.err).toMatch(
      /SIM_ERR_LAB_SETUP: an agent could not start: pstn: cannot bind SIP to 192\.0\.2\.1:5060/,
    );
    const exits = await r.agentExits;
    expect(exits).toHaveLength(6);
  }, 60_000);

  it('waits for one agent per host, then runs the scenario as in loopback mode', async () => {
    const json = join(dir, 'agents.json');
    const { code, out, err, agentExits } = await agentsRun(
      'agents',
      [...HOST_IPS, '192.0.2.1'],
      json,
    );
    expect({ code, err }).toMatchObject({ code: 0 });
    expect(err).toContain('6 of 6 agents joined');
    expect(out).toContain('with one agent per host');
    expect(out).toContain('All 3 expectations met');
    // Every agent leaves once the orchestrator says the run is over.
    expect(await agentExits).toEqual([0, 0, 0, 0, 0, 0]);
    const doc = JSON.parse(await readFile(json, 'utf8')) as RunDoc;
    expect(doc.mode).toBe('agents');
    expect(essence(doc)).toEqual([
      {
        id: 'branch-bypass',
        decision: 'BYPASS',
        forward: ['alice', 'gw-por'],
        reverse: ['gw-por', 'alice'],
        media: 'both-ways',
        finalStatus: 200,
      },
      {
        id: 'hq-relayed',
        decision: 'CAC-ADMITTED',
        forward: ['bob', 'ms-hq', 'gw-por'],
        reverse: ['gw-por', 'ms-hq', 'bob'],
        media: 'both-ways',
        finalStatus: 200,
      },
      {
        id: 'hq-refused',
        decision: 'REJECTED',
        forward: ['carol'],
        reverse: ['gw-por'],
        media: 'none',
        finalStatus: 488,
      },
    ]);
  }, 60_000);
});
