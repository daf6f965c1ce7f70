import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

const run = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mediapath explain', () => {
  it('explains every Litware call with its expectations met, and exits 0', async () => {
    const r = await cli(['explain', 'scenarios/litware.yaml', '--trace']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('All 12 expectations met.');
    expect(r.out).toMatch(
      /b\.1#10\s+pass\s+Client bypass ID: own subnet 172\.29\.77\.0\/24 is configured/,
    );
    expect(r.out).toMatch(/b\.1#12\s+FAIL\s+Compare bypass IDs/);
    // Not a terminal: no ANSI escapes.
    expect(r.out).not.toContain('\u001b[');
  });

  it('uses colour when FORCE_COLOR is set (and none on a non-terminal, as above)', async () => {
    const r = await cli(['explain', 'scenarios/default.yaml'], { FORCE_COLOR: '1' });
    expect(r.out).toContain('\u001b[');
  });

  it('prints JSON with the trace of every call', async () => {
    const r = await cli(['explain', 'scenarios/branch-cac.yaml', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      calls: { id: string; decision: string; trace: { rule: string }[] }[];
    };
    expect(doc.calls.map((c) => c.decision)).toEqual([
      'CAC-ADMITTED',
      'CAC-ADMITTED',
      'CAC-ADMITTED',
      'CAC-ADMITTED',
      'CAC-REROUTED-PSTN',
      'CAC-REROUTED-PSTN',
      'CAC-REROUTED-VOICEMAIL',
      'REJECTED',
    ]);
    expect(doc.calls[7]?.trace.map((t) => t.rule)).toContain('c.5#21');
  });

  it('exits 1 and names the difference when an expectation fails', async () => {
    const file = join(dir, 'wrong-expect.yaml');
    const text = (await import('node:fs'))
      .readFileSync('scenarios/default.yaml', 'utf8')
      .replace(
        'expect: { decision: BYPASS, path: alice -> gw-por',
        'expect: { decision: RELAY, path: alice -> gw-por',
      );
    await writeFile(file, text);
    const r = await cli(['explain', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('decision: expected RELAY, got BYPASS');
  });
});

describe('mediapath validate', () => {
  it('accepts every reference scenario', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync('scenarios')
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join('scenarios', f));
    const r = await cli(['validate', ...files]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(files.length);
  });

  it('lists every problem with file:line:col and exits 3', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'networkConfiguration:',
        '  enableBandwidthPolicyCheck: true',
        '  mediaBypassSettings: { enabled: true, alwaysBypass: true }',
        'network:',
        '  regions: [{ name: NA, centralSite: Chicago }]',
        '  sites: [{ name: Chicago, region: NA }]',
        '  subnets:',
        '    - { subnet: 10.0.0.0, maskBits: 16, site: Chicago }',
        '    - { subnet: 10.0.1.0, maskBits: 24, site: Chicago }',
        'trunkConfigurations:',
        '  - { scope: global, enableBypas: true }',
        'hosts: {}',
        '',
      ].join('\n'),
    );
    const r = await cli(['validate', file]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(
      `${file}:3:55: error: networkConfiguration.mediaBypassSettings.alwaysBypass`,
    );
    expect(r.err).toContain(
      `${file}:9:17: error: network.subnets[1].subnet: 10.0.1.0/24 overlaps 10.0.0.0/16`,
    );
    expect(r.err).toContain(
      `${file}:11:22: error: trunkConfigurations[0].enableBypas: unknown key "enableBypas"; did you mean "enableBypass"?`,
    );
  });

  it('reports a missing file as an invalid scenario', async () => {
    const r = await cli(['validate', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(3);
    expect(r.err).toContain('cannot read the scenario');
  });
});

describe('command line', () => {
  it('rejects an unknown command and an unknown option with exit 2', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    const r = await cli(['explain', '--nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Unknown option '--nope'");
  });

  it('has help with examples for each command', async () => {
    const r = await cli(['help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('Exit codes:');
    expect((await cli(['explain', '--help'])).out).toContain(
      'mediapath explain scenarios/litware.yaml --trace',
    );
  });

  it('runs as a real process from the built launcher', async () => {
    const { stdout } = await run(process.execPath, [
      'bin/mediapath.js',
      'explain',
      'scenarios/default.yaml',
    ]);
    expect(stdout).toContain(
      '3 calls: 1 BYPASS, 1 CAC-ADMITTED, 1 REJECTED. All 3 expectations met.',
    );
  });
});
