/**
 * The Docker Compose deployment run for real: `scripts/compose-run.sh` builds the image with
 * the Dockerfile and no container registry, brings up the committed docker-compose.yml (the
 * embedded default) and the branch-office scenario with a rate-limited WAN (a mounted file) in
 * containers on Podman, and removes what it made. Both runs must decide and carry media as the
 * loopback run of the same scenario does, and the router container's token buckets must have
 * carried the WAN's packets. Root only (rootful Podman); in CI a missing Podman fails the file.
 * Takes 1.5 to 2.5 minutes with the base image cached (most of it the image build), and 30 to
 * 45 s more the first time on a machine.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaces } from '../support/netns.js';
import { essence, type RunDoc } from '../support/run-doc.js';

const run = promisify(execFile);
const root = process.cwd();
const BIN = join(root, 'bin', 'mediapath.js');
const SCRIPT = join(root, 'scripts', 'compose-run.sh');
const BASE_IMAGE = 'docker.io/library/node:20-bookworm-slim';

const isRoot = process.getuid?.() === 0;
const podman = await run('podman', ['--version']).then(
  () => true,
  () => false,
);
if (process.env.CI === 'true' && !podman) {
  throw new Error(
    'CI installs podman (.ci/run): the Compose deployment must run there, not be skipped',
  );
}

/** A command's exit code and output; never rejects. `onErr` sees stderr as it comes. */
function exec(
  file: string,
  args: string[],
  onErr?: (text: string, child: ChildProcess) => void,
): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(file, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    onErr?.(err, child);
  });
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      resolve({ code, out, err, ms: Date.now() - t0 });
    });
  });
}

async function lines(file: string, args: string[]): Promise<string[]> {
  const { stdout } = await run(file, args);
  return stdout.split('\n').filter((l) => l.trim() !== '');
}

/** Every `tbf` qdisc of `tc -s qdisc show`, with its rate and the packets it sent. */
function tokenBuckets(text: string): { dev: string; rate: string; packets: number }[] {
  const out: { dev: string; rate: string; packets: number }[] = [];
  const re = /qdisc tbf \S+ dev (\S+) .*?rate (\S+) .*\n\s*Sent \d+ bytes (\d+) pkt/g;
  for (const m of text.matchAll(re)) {
    out.push({ dev: m[1] ?? '', rate: m[2] ?? '', packets: Number(m[3]) });
  }
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-compose-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!isRoot)(
  'scripts/compose-run.sh (needs root: rootful Podman runs the deployment; no registry)',
  () => {
    it('runs the default and branch-office deployments as loopback does, shapes the WAN in the router, ends cleanly on Ctrl-C, and leaves nothing behind', async () => {
      // Branch office behind the 2 Mbps WAN its description names, as a rate-limited link.
      const branch = join(dir, 'branch-office-wan.yaml');
      await writeFile(
        branch,
        `${await readFile(join(root, 'scenarios', 'branch-office.yaml'), 'utf8')}
links:
  - between: [Chicago, Portland]
    impairment: { rateKbps: 2000 }
`,
      );
      const [loDefault, loBranch] = await Promise.all([
        exec(process.execPath, [BIN, 'run', '--json', join(dir, 'lo-default.json')]),
        exec(process.execPath, [BIN, 'run', branch, '--json', join(dir, 'lo-branch.json')]),
      ]);
      expect(loDefault).toMatchObject({ code: 0 });
      expect(loBranch).toMatchObject({ code: 0 });
      const netnsBefore = new Set(await namespaces());

      // Three runs on one image build; the third is interrupted (Ctrl-C) once it is up.
      const out = join(dir, 'out');
      let interrupted = false;
      const r = await exec(
        SCRIPT,
        ['--out', out, '--timeout', '840', 'docker-compose.yml', branch, 'docker-compose.yml'],
        (err, child) => {
          if (!interrupted && err.includes('[3] every container started')) {
            interrupted = true;
            child.kill('SIGINT');
          }
        },
      );
      expect({ code: r.code, err: r.err }).toMatchObject({ code: 130 });
      expect(r.err).toContain('[1] the orchestrator exited with code 0');
      expect(r.err).toContain('[2] the orchestrator exited with code 0');
      expect(r.err).not.toContain('[3] the orchestrator exited');
      expect(r.err).toContain('interrupted');
      process.stderr.write(`compose-run.sh took ${(r.ms / 1000).toFixed(0)} s\n`);
      expect(r.out).toContain(
        'Quickstart - bypass, relay and a CAC refusal (embedded default), with one agent per host',
      );
      expect(r.out).toContain('All 3 expectations met');
      expect(r.out).toContain(
        'Branch office with a local gateway (/app/mounted/branch-office-wan.yaml)',
      );
      expect(r.out).toContain('All 5 expectations met');

      // Decisions, observed paths, media and final SIP status as in loopback mode.
      const doc = async (file: string): Promise<RunDoc> =>
        JSON.parse(await readFile(file, 'utf8')) as RunDoc;
      const cDefault = await doc(join(out, '1-docker-compose', 'result.json'));
      const cBranch = await doc(join(out, '2-branch-office-wan', 'result.json'));
      expect(cDefault.mode).toBe('agents');
      expect(cBranch.mode).toBe('agents');
      expect(essence(cDefault)).toEqual(essence(await doc(join(dir, 'lo-default.json'))));
      expect(essence(cBranch)).toEqual(essence(await doc(join(dir, 'lo-branch.json'))));

      // The router shaped the WAN: a 2 Mbit/s bucket on each of its interfaces towards the two
      // sites (Chicago, Portland's LAN and its Wi-Fi), each of which carried packets; none
      // without links.
      const buckets = tokenBuckets(
        await readFile(join(out, '2-branch-office-wan', 'router-qdisc.txt'), 'utf8'),
      );
      expect(buckets.map((b) => b.rate)).toEqual(['2Mbit', '2Mbit', '2Mbit']);
      expect(
        buckets.filter((b) => b.packets < 100),
        'a bucket that carried no call',
      ).toEqual([]);
      expect(
        tokenBuckets(await readFile(join(out, '1-docker-compose', 'router-qdisc.txt'), 'utf8')),
      ).toEqual([]);

      // Nothing left but the base image.
      const id = /cleaned up run ([0-9a-f]+)/.exec(r.err)?.[1];
      if (id === undefined) {
        throw new Error(`no run id in: ${r.err}`);
      }
      const label = `label=com.docker.compose.project=mpc${id}`;
      for (const project of [`${label}-1`, `${label}-2`, `${label}-3`]) {
        expect(await lines('podman', ['ps', '-aq', '--filter', project])).toEqual([]);
        expect(await lines('podman', ['network', 'ls', '-q', '--filter', project])).toEqual([]);
      }
      expect(
        await lines('podman', [
          'images',
          '-aq',
          '--filter',
          `label=io.mediapath.compose-run=${id}`,
        ]),
      ).toEqual([]);
      expect(
        await lines('podman', ['images', '-q', `localhost/mediapath:compose-run-${id}`]),
      ).toEqual([]);
      expect(await lines('podman', ['images', '-q', BASE_IMAGE])).toHaveLength(1);
      expect((await namespaces()).filter((n) => !netnsBefore.has(n))).toEqual([]);
    }, 900_000);
  },
);
