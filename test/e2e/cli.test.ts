import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/io.js';
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
    const r = await cli(['explain', 'scenarios/branch-cac.yaml', '--json', '-']);
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
      `${file}:3:55: error SIM_ERR_SCENARIO_RULE: networkConfiguration.mediaBypassSettings.alwaysBypass`,
    );
    // A17: a nested subnet is legal (a warning); the same subnet twice is an error.
    expect(r.err).toContain(
      `${file}:9:17: warning SIM_ERR_SCENARIO_RULE: network.subnets[1].subnet: 10.0.1.0/24 is nested in 10.0.0.0/16`,
    );
    expect(r.err).toContain(
      `${file}:10:17: error SIM_ERR_SCENARIO_RULE: network.subnets[2].subnet: 10.0.1.0/24 is configured twice`,
    );
    expect(r.err).toContain(
      `${file}:12:22: error SIM_ERR_SCENARIO_SCHEMA: trunkConfigurations[0].enableBypas: unknown key "enableBypas"; did you mean "enableBypass"?`,
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
    const help = await cli(['help', 'bogus']);
    expect(help.code).toBe(ExitCode.USAGE);
    expect(help.err).toContain('unknown command "bogus"');
    expect(help.err).toContain('Commands:');
    expect(help.out).toBe('');
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

/** A file that exists? */
async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

describe('--json FILE|- on every command', () => {
  it('writes explain JSON to a file in a folder it creates, with the text on stdout', async () => {
    const file = join(dir, 'new', 'folder', 'decisions.json');
    const r = await cli(['explain', 'scenarios/default.yaml', '--json', file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('All 3 expectations met.');
    expect(r.err).toContain(`wrote ${file}`);
    const doc = JSON.parse(await readFile(file, 'utf8')) as { calls: unknown[] };
    expect(doc.calls).toHaveLength(3);
  });

  it('gives standard output to the JSON document alone with -', async () => {
    for (const args of [
      ['explain', 'scenarios/default.yaml', '--json', '-'],
      ['validate', '--json', '-', 'scenarios/default.yaml', 'scenarios/litware.yaml'],
      ['compose', 'scenarios/default.yaml', '--json', '-'],
    ]) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}`).toBe(0);
      expect(() => JSON.parse(r.out) as unknown, `${args.join(' ')}`).not.toThrow();
    }
  });

  it('writes validate JSON to a file and still prints the text', async () => {
    const file = join(dir, 'validate', 'result.json');
    const r = await cli(['validate', '--json', file, 'scenarios/default.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('scenarios/default.yaml: valid');
    const doc = JSON.parse(await readFile(file, 'utf8')) as { invalid: number };
    expect(doc.invalid).toBe(0);
  });

  it('writes the compose file to standard output with -o -, the same as without -o', async () => {
    const dash = await cli(['compose', 'scenarios/default.yaml', '-o', '-']);
    const none = await cli(['compose', 'scenarios/default.yaml']);
    expect(dash.code).toBe(0);
    expect(dash.out).toBe(none.out);
    const out = join(dir, 'compose', 'docker-compose.yml');
    const json = join(dir, 'compose', 'plan.json');
    const r = await cli(['compose', 'scenarios/default.yaml', '-o', out, '--json', json]);
    expect(r.code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('services:');
    expect((JSON.parse(await readFile(json, 'utf8')) as { output: string }).output).toBe(out);
  });

  it.each([
    [['explain', 'scenarios/default.yaml', '--json']],
    [['validate', 'scenarios/default.yaml', '--json']],
    [['run', '--json']],
    [['compose', '--json']],
    [['load', '--json', '--no-pin']],
    [['net', 'clean', '--json']],
  ])('refuses %j without a value, with exit 2 and what to give', async (args) => {
    const r = await cli(args);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toContain('--json needs a value: a file name, or - for standard output');
  });

  it('refuses to write JSON over a scenario given after --json (the old form)', async () => {
    const scenario = join(dir, 'keep.yaml');
    await copyFile('scenarios/default.yaml', scenario);
    const before = await readFile(scenario, 'utf8');
    for (const command of ['explain', 'validate']) {
      const r = await cli([command, '--json', scenario]);
      expect(r.code).toBe(ExitCode.USAGE);
      expect(r.err).toContain('looks like a scenario file');
    }
    expect(await readFile(scenario, 'utf8')).toBe(before);
  });

  it('checks output paths before the work starts: a folder, a file in the way, two on stdout', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, '');
    await mkdir(join(dir, 'a-folder'), { recursive: true });
    const cases: [string[], string][] = [
      [['run', '--json', join(dir, 'a-folder')], 'is a folder'],
      [['run', '--json', join(blocker, 'run.json')], 'a file is in the way'],
      [['run', '--log', join(blocker, 'run.log')], 'a file is in the way'],
      [['compose', '-o', '-', '--json', '-'], 'both write to standard output'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}`).toBe(ExitCode.USAGE);
      expect(r.err, `${args.join(' ')}`).toContain(message);
      expect(r.out, `${args.join(' ')}`).toBe('');
    }
  });
});

describe('counts in what the CLI prints', () => {
  it('says "1 error" and "2 errors"', async () => {
    const one = join(dir, 'one-error.yaml');
    await writeFile(one, 'hosts: {}\nfoo: 1\n');
    expect((await cli(['validate', one])).out).toContain('invalid, 1 error\n');
    expect((await cli(['explain', one])).err).toContain('invalid scenario, 1 error;');
    expect(await exists(one)).toBe(true);
  });
});

describe('mediapath serve --no-sip-log', () => {
  it('is documented, and refused with --net netns (the agents keep their own logs)', async () => {
    expect((await cli(['serve', '--help'])).out).toContain('--no-sip-log');
    const r = await cli(['serve', 'scenarios/default.yaml', '--net', 'netns', '--no-sip-log']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toContain('--no-sip-log works with --net loopback only');
  });
});

describe('mediapath report without --html', () => {
  it("prints a saved explain result's calls: decision, predicted path and why", async () => {
    const json = join(dir, 'branch-cac-explain.json');
    expect((await cli(['explain', 'scenarios/branch-cac.yaml', '--json', json])).code).toBe(0);
    const saved = JSON.parse(await readFile(json, 'utf8')) as {
      calls: { id: string; decision: string; mediaPath: string[] }[];
    };
    const r = await cli(['report', json]);
    expect(r.code).toBe(0);
    const rows = r.out.split('\n');
    for (const c of saved.calls) {
      const row = rows.find((l) => l.split(/\s+/)[1] === c.id) ?? '';
      expect(row).toContain(c.decision);
      expect(row).toContain(c.mediaPath.length > 0 ? c.mediaPath.join(' -> ') : 'none (rejected)');
    }
    expect(r.out).toContain(
      `${saved.calls.length} calls. All ${saved.calls.length} expectations met.`,
    );
    expect(r.out).not.toContain('\u001b[');
  });

  it('says what is wrong with a file that is not a result (exit 4)', async () => {
    const notResult = join(dir, 'not-a-result.json');
    await writeFile(notResult, '{"calls": []}');
    const r = await cli(['report', notResult]);
    expect(r.code).toBe(ExitCode.RUNTIME);
    expect(r.err).toContain('not a mediapath result');
  });
});
