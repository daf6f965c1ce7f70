import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sippAvailable } from '../support/sip-sipp.js';

/**
 * `mediapath load --sip` end to end, at a rate any machine holds: SIPp calls through the
 * Mediation Server of the command's own lab and answers as the gateway; the JSON has one step
 * with every call completed, and the Mediation Server's CPU measured.
 */
const CI = process.env.CI === 'true';
const have = sippAvailable();
if (CI && !have) {
  throw new Error('CI needs sipp (Debian package sip-tester; .ci/run installs it)');
}
const BIN = join(process.cwd(), 'bin', 'mediapath.js');
/** An address block of its own, so that another lab on this machine does not collide. */
const BASE = 94;

interface Doc {
  readonly knee: number;
  readonly steps: readonly {
    rate: number;
    attempted: number;
    completed: number;
    failed: number;
    msCpu: number;
    msCpuUsPerCall: number | null;
  }[];
}

describe.skipIf(!have)('mediapath load --sip', () => {
  it('places the calls of a step through the Mediation Server and reports them', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'load', '--sip', '--rates', '20', '--seconds', '2', '--hold-ms', '200'].concat([
        '--no-pin',
        '--no-wait',
        '--loopback-base',
        String(BASE),
        '--json',
        '-',
      ]),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(err).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(out) as Doc;
    expect(doc.steps).toHaveLength(1);
    const [step] = doc.steps;
    expect(step).toMatchObject({ rate: 20, attempted: 40, completed: 40, failed: 0 });
    expect(step?.msCpu).toBeGreaterThan(0);
    expect(step?.msCpuUsPerCall).toBeGreaterThan(0);
    expect(doc.knee).toBe(20);
  }, 60_000);

  it('refuses a bad rate with a usage error', async () => {
    const child = spawn(process.execPath, [BIN, 'load', '--sip', '--rates', 'fast'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('--rates');
  });
});
