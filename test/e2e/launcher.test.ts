import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/io.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-launcher-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a process printed on stderr and how it exited. */
function runNode(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe('the launcher (bin/mediapath.js)', () => {
  it('says what to run, in one line, and exits 4 when mediapath is not built', async () => {
    const root = join(dir, 'unbuilt');
    await mkdir(join(root, 'bin'), { recursive: true });
    await copyFile('bin/mediapath.js', join(root, 'bin', 'mediapath.js'));
    const r = await runNode([join(root, 'bin', 'mediapath.js'), 'run']);
    expect(r.code).toBe(ExitCode.RUNTIME);
    expect(r.stderr).toBe(`mediapath: not built yet: run "npm run build" in ${root}\n`);
  });

  /** Runs the launcher with stderr read by nobody: closed at once, or never opened. */
  function exitWithStderrGone(args: string[], how: 'closed pipe' | 'closed fd'): Promise<number> {
    return new Promise((resolve, reject) => {
      const child =
        how === 'closed pipe'
          ? spawn(process.execPath, ['bin/mediapath.js', ...args], {
              stdio: ['ignore', 'ignore', 'pipe'],
            })
          : spawn('sh', ['-c', 'exec "$0" bin/mediapath.js "$@" 2>&-', process.execPath, ...args], {
              stdio: ['ignore', 'ignore', 'inherit'],
            });
      child.stderr?.destroy();
      child.once('error', reject);
      child.once('exit', (code) => resolve(code ?? -1));
    });
  }

  it.each(['closed pipe', 'closed fd'] as const)(
    'keeps the exit code of the command when stderr is a %s',
    async (how) => {
      const bad = join(dir, 'epipe.yaml');
      await writeFile(bad, 'hosts: {}\nfoo: 1\n');
      expect(await exitWithStderrGone(['validate', bad], how)).toBe(ExitCode.INVALID_SCENARIO);
    },
  );

  it('keeps the exit code of the command when the reader of stdout goes away', async () => {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['bin/mediapath.js', 'explain', 'scenarios/litware.yaml', '--trace'],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      child.stdout.destroy();
      child.once('error', reject);
      child.once('exit', (c) => resolve(c ?? -1));
    });
    expect(code).toBe(ExitCode.OK);
  });
});
