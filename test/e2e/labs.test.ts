import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/io.js';
import { shellCommand } from '../../src/cli/shell-command.js';
import { loadScenarioText } from '../../src/scenario/index.js';
import { capture, cli } from '../support/cli.js';

/** The three phases of the Deploy media bypass checklist, as an administrator types them. */
const PHASES = [
  '# Phase 1: trunks',
  'Set-CsTrunkConfiguration -Identity Global -EnableBypass $true',
  'New-CsTrunkConfiguration -Identity "PstnGateway:sbc-itsp" -EnableBypass $false',
  '# Phase 2: media bypass globally, by site and region',
  '$bypass = New-CsNetworkMediaBypassConfiguration -Enabled $true -AlwaysBypass $false',
  'Set-CsNetworkConfiguration -MediaBypassSettings $bypass',
  '# Phase 3: subnets to sites',
  'New-CsNetworkSubnet -Identity 172.29.77.0 -MaskBits 24 `',
  '    -NetworkSiteID Portland',
  'exit',
].join('\n');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mediapath-labs-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** `mediapath shell ARGS` with its standard input. */
function shell(args: string[], input: string) {
  return capture((a, io) => shellCommand(a, io, Readable.from([input])), args);
}

/**
 * Applies the trainers' solution: the deploy-media-bypass phases through the shell (as a
 * trainee would), the read-only lab's answers, the others' script with apply.
 */
async function solve(name: string, dir: string): Promise<number> {
  if (name === 'deploy-media-bypass') {
    return (await shell([dir], PHASES)).code;
  }
  if (name === 'read-only-diagnosis') {
    await copyFile(join('labs', name, 'solution', 'answers.yaml'), join(dir, 'answers.yaml'));
    return 0;
  }
  return (await cli(['apply', join('labs', name, 'solution', 'solution.ps1'), dir])).code;
}

const LABS = [
  'deploy-media-bypass',
  'broken-sip-trunk-sbc',
  'always-bypass-wan',
  'full-branch-link',
  'unmapped-subnet',
  'read-only-diagnosis',
];

/** Live runs: every shipped lab, its starting state and the trainers' solution (seconds each). */
describe('every shipped lab, live', () => {
  it('lists the shipped labs', async () => {
    const r = await cli(['lab', 'list', '--json', '-']);
    expect(r.code).toBe(0);
    const names = (JSON.parse(r.out) as { name: string }[]).map((l) => l.name);
    expect(names.sort()).toEqual([...LABS].sort());
  });

  it.each(LABS)(
    '%s: its start fails a goal, and the trainers solution passes every goal',
    async (name) => {
      const dir = join(tmp, name);
      const start = await cli(['lab', 'start', name, dir]);
      expect(start.code).toBe(0);
      expect(await readdir(dir)).not.toContain('solution');
      const before = await cli(['lab', 'check', dir]);
      expect(before.code).toBe(ExitCode.EXPECTATION_FAILED);
      expect(before.out).toContain('not met');
      expect(await solve(name, dir)).toBe(0);
      const json = join(dir, 'out', 'check.json');
      const html = join(dir, 'out', 'report.html');
      const after = await cli(['lab', 'check', dir, '--json', json, '--html', html]);
      expect(after.code).toBe(0);
      expect(after.out).toContain('Every goal is met.');
      const doc = JSON.parse(await readFile(json, 'utf8')) as {
        score: { allMet: boolean };
        goals: unknown[];
        run: { kind: string; calls: unknown[] };
      };
      expect(doc.score.allMet).toBe(true);
      expect(doc.run.kind).toBe('run');
      expect(await readFile(html, 'utf8')).toContain('<html');
    },
    60_000,
  );
});

describe('the shell under roles (no live run)', () => {
  it('denies a view-only administrator every change of the three phases, and changes nothing', async () => {
    const dir = join(tmp, 'view-only');
    await cli(['lab', 'start', 'deploy-media-bypass', dir]);
    const scenario = await readFile(join(dir, 'scenario.yaml'), 'utf8');
    const r = await shell([dir, '--role', 'CsViewOnlyAdministrator'], PHASES);
    expect(r.code).toBe(ExitCode.COMMAND_REFUSED);
    expect(r.out).toContain(
      'Access denied: the role CsViewOnlyAdministrator may not run Set-CsTrunkConfiguration',
    );
    expect(await readFile(join(dir, 'scenario.yaml'), 'utf8')).toBe(scenario);
    const log = (await readFile(join(dir, 'commands.log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { role: string; outcome: string; cmdlet: string | null });
    expect(log.map((l) => l.outcome)).toEqual([
      'denied',
      'denied',
      'denied',
      'denied',
      'denied',
      'ok',
    ]);
    expect(log.every((l) => l.role === 'CsViewOnlyAdministrator')).toBe(true);
  });

  it('refuses AlwaysBypass while CAC is on with the rule, writes each kept change, and logs versions', async () => {
    const dir = join(tmp, 'versions');
    await cli(['lab', 'start', 'deploy-media-bypass', dir]);
    const r = await shell(
      [dir],
      [
        '$b = New-CsNetworkMediaBypassConfiguration -Enabled $true -AlwaysBypass $true',
        'Set-CsNetworkConfiguration -MediaBypassSettings $b',
        'Set-CsTrunkConfiguration -Identity Global -EnableBypass $true',
      ].join('\n'),
    );
    expect(r.code).toBe(ExitCode.COMMAND_REFUSED);
    expect(r.out).toContain('alwaysBypass cannot be used while CAC is enabled');
    expect(r.out).toContain('[d.V1]');
    const text = await readFile(join(dir, 'scenario.yaml'), 'utf8');
    expect(text).toContain('- { scope: global, enableBypass: true }');
    expect(text).toContain('mediaBypassSettings: { enabled: false }');
    const log = (await readFile(join(dir, 'commands.log.jsonl'), 'utf8')).trim().split('\n');
    const last = JSON.parse(log.at(-1) ?? '{}') as { version: number; sha256: string };
    expect(last.version).toBe(1);
    expect(last.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('lab start, hint, answer, reset', () => {
  it('refuses a folder that is not empty and an unknown lab', async () => {
    const dir = join(tmp, 'taken');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const r = await cli(['lab', 'start', 'deploy-media-bypass', dir]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toContain('exists and is not empty');
    const u = await cli(['lab', 'start', 'no-such-lab', join(tmp, 'x')]);
    expect(u.code).toBe(ExitCode.USAGE);
    expect(u.err).toContain('shipped labs: always-bypass-wan');
  });

  it('shows the hints in order, then says there are no more', async () => {
    const dir = join(tmp, 'hints');
    await cli(['lab', 'start', 'broken-sip-trunk-sbc', dir]);
    const first = await cli(['lab', 'hint', dir]);
    expect(first.out).toMatch(/^Hint 1 of 3: /);
    await cli(['lab', 'hint', dir]);
    expect((await cli(['lab', 'hint', dir])).out).toMatch(/^Hint 3 of 3: /);
    expect((await cli(['lab', 'hint', dir])).out).toMatch(/^No more hints: all 3 were shown/);
  });

  it('records answers, lists the questions, and refuses an unknown key', async () => {
    const dir = join(tmp, 'answers');
    await cli(['lab', 'start', 'read-only-diagnosis', dir]);
    const r = await cli(['lab', 'answer', dir, 'sip-status', '488']);
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'answers.yaml'), 'utf8')).toContain('sip-status: "488"');
    const list = await cli(['lab', 'answer', dir]);
    expect(list.out).toContain('refused-calls: Which calls are refused?');
    expect(list.out).toContain('  answer: 488');
    const bad = await cli(['lab', 'answer', dir, 'colour', 'blue']);
    expect(bad.code).toBe(ExitCode.USAGE);
    expect(bad.err).toContain('no question "colour"');
  });

  it('resets the starting files and logs the reset', async () => {
    const dir = join(tmp, 'reset');
    await cli(['lab', 'start', 'full-branch-link', dir]);
    const original = await readFile(join(dir, 'scenario.yaml'), 'utf8');
    const applied = await cli([
      'apply',
      join('labs', 'full-branch-link', 'solution', 'solution.ps1'),
      dir,
    ]);
    expect(applied.code).toBe(0);
    expect(await readFile(join(dir, 'scenario.yaml'), 'utf8')).not.toBe(original);
    const r = await cli(['lab', 'reset', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('configuration version 2');
    expect(await readFile(join(dir, 'scenario.yaml'), 'utf8')).toBe(original);
  });

  it('says when a lab definition is invalid (exit 3) or a folder is not a lab (exit 2)', async () => {
    const dir = join(tmp, 'bad-lab');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'lab.yaml'), 'title: x\n');
    const r = await cli(['lab', 'check', dir]);
    expect(r.code).toBe(ExitCode.INVALID_SCENARIO);
    expect(r.err).toContain('SIM_ERR_LAB_DEFINITION');
    expect(r.err).toContain('summary');
    const none = await cli(['lab', 'check', tmp]);
    expect(none.code).toBe(ExitCode.USAGE);
  });
});

describe('apply, export and import', () => {
  it('runs nothing of a script with a syntax error (exit 6)', async () => {
    const dir = join(tmp, 'syntax');
    await cli(['lab', 'start', 'unmapped-subnet', dir]);
    const script = join(tmp, 'bad.ps1');
    await writeFile(
      script,
      'New-CsNetworkSubnet -Identity 172.29.77.0 -MaskBits 24 -NetworkSiteID Portland\nGet-CsNetworkSubnet | Remove-CsNetworkSubnet\n',
    );
    const before = await readFile(join(dir, 'scenario.yaml'), 'utf8');
    const r = await cli(['apply', script, dir]);
    expect(r.code).toBe(ExitCode.COMMAND_REFUSED);
    expect(r.out).toContain('Pipelines are not supported');
    expect(await readFile(join(dir, 'scenario.yaml'), 'utf8')).toBe(before);
  });

  it('needs a role outside a lab', async () => {
    const r = await cli([
      'apply',
      'labs/broken-sip-trunk-sbc/solution/solution.ps1',
      'scenarios/default.yaml',
    ]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toContain('--role is needed outside a lab');
  });

  it('exports the reference topology to PowerShell and imports it back to the same model', async () => {
    const ps = join(tmp, 'litware.ps1');
    const out = join(tmp, 'litware.yaml');
    expect((await cli(['export', 'scenarios/litware.yaml', '--powershell', '-o', ps])).code).toBe(
      0,
    );
    expect(await readFile(ps, 'utf8')).toContain(
      'New-CsNetworkInterSitePolicy -Identity Reno_Albuquerque',
    );
    const r = await cli(['import', ps, '--onto', 'scenarios/litware.yaml', '-o', out]);
    expect(r.code).toBe(0);
    const a = loadScenarioText(await readFile('scenarios/litware.yaml', 'utf8'), 'x');
    const b = loadScenarioText(await readFile(out, 'utf8'), 'x');
    expect(a.ok && b.ok).toBe(true);
    expect(b.ok && b.scenario).toEqual(a.ok && a.scenario);
    expect((await cli(['export', 'scenarios/litware.yaml'])).code).toBe(ExitCode.USAGE);
  });

  it('imports nothing from a script with a syntax error', async () => {
    const script = join(tmp, 'splat.ps1');
    await writeFile(script, 'Set-CsTrunkConfiguration @params\n');
    const r = await cli(['import', script]);
    expect(r.code).toBe(ExitCode.COMMAND_REFUSED);
    expect(r.err).toContain('Splatting (@name) is not supported');
    expect(r.out).toBe('');
  });
});
