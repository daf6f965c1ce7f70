import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli } from '../../support/cli.js';

/**
 * `docker-compose config` checks a compose file against the Compose schema and resolves it
 * without a Docker engine; no engine runs where these tests run, so that is how the generated
 * files are checked. DOCKER_HOST points nowhere to show that no engine is needed.
 */
const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function composeAvailable(): Promise<boolean> {
  try {
    await run('docker-compose', ['version'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const available = await composeAvailable();
if (process.env.CI === 'true' && !available) {
  throw new Error(
    'CI installs docker-compose (.ci/run): the compose files must be checked there, not skipped',
  );
}

async function config(
  file: string,
  args: string[] = ['-q'],
): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run('docker-compose', ['-f', file, 'config', ...args], {
      cwd: dirname(file),
      timeout: 30_000,
      env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : -1,
      out: err.stdout ?? '',
      err: err.stderr ?? '',
    };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-compose-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('docker-compose config on generated files', () => {
  it('accepts the committed docker-compose.yml', async () => {
    const r = await config(join(root, 'docker-compose.yml'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('resolves every service of the committed file', async () => {
    const r = await config(join(root, 'docker-compose.yml'), ['--services']);
    expect(r.code).toBe(0);
    const doc = parse(await readFile(join(root, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, unknown>;
    };
    expect(r.out.trim().split('\n').sort()).toEqual(Object.keys(doc.services).sort());
  });

  it('accepts a Litware compose file written by mediapath compose', async () => {
    const out = join(dir, 'litware', 'docker-compose.yml');
    await run('mkdir', ['-p', dirname(out)]);
    const g = await cli(['compose', join(root, 'scenarios', 'litware.yaml'), '-o', out]);
    expect(g.err).toBe('');
    expect(g.code).toBe(0);
    const r = await config(out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('accepts a mounted scenario of its own with a rate-limited link', async () => {
    const scenario = join(dir, 'my-lab.yaml');
    await copyFile(join(root, 'scenarios', 'branch-cac.yaml'), scenario);
    await writeFile(
      scenario,
      `${await readFile(scenario, 'utf8')}\nlinks:\n  - between: [Chicago, Portland]\n    impairment: { rateKbps: 250 }\n`,
    );
    const out = join(dir, 'my-lab.compose.yml');
    const g = await cli(['compose', scenario, '-o', out]);
    expect(g.code).toBe(0);
    const r = await config(out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const resolved = await config(out, []);
    expect(resolved.out).toContain('/app/mounted/my-lab.yaml');
    expect(resolved.out).toContain('tbf rate 250kbit');
  });

  it('rejects a broken file (the check is a real one)', async () => {
    const text = await readFile(join(root, 'docker-compose.yml'), 'utf8');
    const broken = join(dir, 'broken.yml');
    await writeFile(broken, text.replace('    internal: true', '    internal: sometimes'));
    const r = await config(broken);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/site-chicago\.internal/);
  });
});
