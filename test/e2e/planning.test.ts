import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/io.js';
import { erlangB, PLAN_CSV_COLUMNS } from '../../src/planning/index.js';
import { cli } from '../support/cli.js';

let dir: string;
let change: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-planning-'));
  // A change an engineer might try: Portland's client subnet narrowed to a /25 (the gateway
  // falls out of it) and its uplink cut to 100 kbps.
  const litware = await readFile('scenarios/litware.yaml', 'utf8');
  change = join(dir, 'my-change.yaml');
  await writeFile(
    change,
    litware
      .replace(
        '{ subnet: 172.29.77.0, maskBits: 24, site: Portland }',
        '{ subnet: 172.29.77.0, maskBits: 25, site: Portland }',
      )
      .replace('audioBWLimit: 4000', 'audioBWLimit: 100'),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mediapath diff', () => {
  it('exits 0 when nothing changed', async () => {
    const r = await cli(['diff', 'scenarios/litware.yaml', 'scenarios/litware.yaml']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toContain('No call changed');
  });

  it('names the calls that changed and why, and exits 1', async () => {
    const r = await cli(['diff', 'scenarios/litware.yaml', change]);
    expect(r.code).toBe(1);
    // Refused Portland calls take the Internet path (A16: the branch's own breakout), so no SIP
    // status changes.
    expect(r.out).toMatch(/5 calls changed: 5 decision, 5 path, 4 bandwidth\./);
    expect(r.out).toContain('CAC-ADMITTED -> CAC-REROUTED-INTERNET: 2 calls');
    expect(r.out).toContain('BYPASS -> CAC-ADMITTED: 2 calls');
    expect(r.out).toContain('portland-local-gw');
    expect(r.out).toContain('b.1#10 Client bypass ID: pass -> FAIL');
    expect(r.out).toContain('c.3#11 Link has room: pass -> FAIL');
    expect(r.out).not.toContain('london-local-gw');
  });

  it('writes JSON and the report page with the changed calls at the top', async () => {
    const html = join(dir, 'what-if.html');
    const r = await cli(['diff', 'scenarios/litware.yaml', change, '--json', '-', '--html', html]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as {
      format: string;
      changedCalls: number;
      changed: { id: string; why: { rule: string } | null }[];
    };
    expect(doc.format).toBe('mediapath-diff');
    expect(doc.changedCalls).toBe(5);
    expect(doc.changed.map((c) => c.why?.rule)).toContain('c.3#11');
    const page = await readFile(html, 'utf8');
    expect(page.indexOf('<section id="what-if">')).toBeGreaterThan(page.indexOf('</header>'));
    expect(page).toContain('data-call="portland-local-gw"');
    expect(page).toContain('<section id="bandwidth">');
  });

  it("plays each file's own calls with --timeline each", async () => {
    const other = join(dir, 'fewer-calls.yaml');
    const text = await readFile('scenarios/litware.yaml', 'utf8');
    await writeFile(other, text.slice(0, text.indexOf('  - id: london-local-gw')));
    const r = await cli(['diff', 'scenarios/litware.yaml', other, '--timeline', 'each']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('london-local-gw');
    expect(r.out).toContain('only in A');
  });

  it("refuses A's calls that B's hosts cannot take (exit 3), and a bad command line (exit 2)", async () => {
    const fewer = join(dir, 'no-oscar.yaml');
    const text = await readFile('scenarios/litware.yaml', 'utf8');
    await writeFile(
      fewer,
      text
        .replace(/ {4}- \{ name: oscar.*\n/, '')
        .replace(/ {2}- id: old-client-hairpin[\s\S]*?(?= {2}- id: external-user-pstn)/, ''),
    );
    const r = await cli(['diff', 'scenarios/litware.yaml', fewer]);
    expect(r.code).toBe(ExitCode.INVALID_SCENARIO);
    expect(r.err).toContain('calls[9].from: unknown caller "oscar"');
    expect(r.err).toContain('--timeline each');
    expect((await cli(['diff', 'scenarios/litware.yaml'])).code).toBe(ExitCode.USAGE);
    expect((await cli(['diff', 'a.yaml', 'b.yaml', '--timeline', 'b'])).code).toBe(ExitCode.USAGE);
  });
});

describe('mediapath compare', () => {
  it('shows what bypass saves on the branch office', async () => {
    const r = await cli(['compare', 'scenarios/branch-office.yaml']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/bypass as configured +bypass off +saved by bypass/);
    expect(r.out).toMatch(/ms-chi relayed streams +4 +10 +6/);
    expect(r.out).toMatch(/site:Portland audio kbps at once, peak +194 +582 +388/);
    expect(r.out).toContain('Calls whose outcome changes without bypass (3)');
  });

  it('over a busy hour, as JSON', async () => {
    const r = await cli(['compare', 'scenarios/busy-hour.yaml', '--busy-hour', '--json', '-']);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as {
      format: string;
      calls: { from: string; count: number };
      configured: { refused: number };
      off: { refused: number };
      live: null;
    };
    expect(doc.format).toBe('mediapath-compare');
    expect(doc.calls.from).toBe('busy-hour');
    expect(doc.calls.count).toBeGreaterThan(500);
    expect(doc.off.refused).toBeGreaterThan(doc.configured.refused);
    expect(doc.live).toBeNull();
  });

  it('refuses --live with --busy-hour, and --busy-hour without traffic', async () => {
    const both = await cli(['compare', 'scenarios/busy-hour.yaml', '--busy-hour', '--live']);
    expect(both.code).toBe(ExitCode.USAGE);
    const none = await cli(['compare', 'scenarios/branch-office.yaml', '--busy-hour']);
    expect(none.code).toBe(ExitCode.USAGE);
    expect(none.err).toContain('no traffic: section');
  });
});

describe('mediapath plan', () => {
  it('prints per-link blocking and the limit for 1 %, with progress on stderr', async () => {
    const r = await cli(['plan', 'scenarios/busy-hour.yaml', '--hours', '10']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toContain('Busy hour of Busy hour at headquarters and two branches');
    expect(r.out).toMatch(
      /link +offered E +calls +carried E +blocking +95 % interval +peak kbps +p95 kbps +limit kbps +limit for 1 %/,
    );
    expect(r.out).toMatch(/site:Portland audio +\d+\.\d\d/);
    expect(r.out).toMatch(/site:Reno audio .* 800 +[\d,.]+/);
    expect(r.out).toContain('Ledger checked at every reservation and release');
    // Not a terminal: progress lines, no redrawing.
    expect(r.err).toMatch(/^plan \[#*\.*\] +\d+ %/m);
    expect(r.err).not.toContain('\r');
    expect(r.err).toMatch(/simulated [\d,]+ calls in \d+\.\d\d s/);
  });

  it('writes JSON and CSV', async () => {
    const csv = join(dir, 'plan', 'busy-hour.csv');
    const r = await cli([
      'plan',
      'scenarios/busy-hour.yaml',
      '--json',
      '-',
      '--csv',
      csv,
      '--hours',
      '2',
      '--target-blocking',
      '0.5%',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as {
      format: string;
      settings: { hours: number; targetBlocking: number };
      links: { link: string }[];
    };
    expect(doc.format).toBe('mediapath-plan');
    expect(doc.settings).toMatchObject({ hours: 2, targetBlocking: 0.005 });
    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe(PLAN_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(1 + doc.links.length);
    expect(r.err).toContain(`wrote ${csv}`);
  });

  it('matches Erlang B on one link that fits ten calls', async () => {
    const r = await cli([
      'plan',
      'test/fixtures/scenarios/erlang-b-link.yaml',
      '--hours',
      '100',
      '--json',
      '-',
    ]);
    const doc = JSON.parse(r.out) as {
      links: {
        blocking: number;
        blockingInterval: { low: number; high: number };
        advice: { calls: number };
      }[];
    };
    const link = doc.links[0]!;
    const expected = erlangB(10, 4.461);
    expect(link.blockingInterval.low).toBeLessThanOrEqual(expected);
    expect(link.blockingInterval.high).toBeGreaterThanOrEqual(expected);
  });

  it('is deterministic on request, and refuses what it cannot do', async () => {
    const a = await cli(['plan', 'scenarios/busy-hour.yaml', '--deterministic', '--json', '-']);
    const b = await cli(['plan', 'scenarios/busy-hour.yaml', '--deterministic', '--json', '-']);
    expect(a.out).toBe(b.out);
    expect(JSON.parse(a.out)).toMatchObject({ settings: { model: 'deterministic' } });
    const none = await cli(['plan', 'scenarios/branch-office.yaml']);
    expect(none.code).toBe(ExitCode.USAGE);
    expect(none.err).toContain('has no traffic: section');
    for (const bad of [
      ['--target-blocking', '2'],
      ['--target-blocking', '0%'],
      ['--hours', '0'],
      ['--warmup', 'soon'],
      ['--batches', '3'],
      ['--confidence', '100%'],
    ]) {
      const r = await cli(['plan', 'scenarios/busy-hour.yaml', ...bad]);
      expect({ bad, code: r.code }).toEqual({ bad, code: ExitCode.USAGE });
    }
  });
});

describe('mediapath explain --ledger', () => {
  it('prints the ledger over time and its invariants; --ledger-csv writes it', async () => {
    const r = await cli(['explain', 'scenarios/branch-cac.yaml', '--ledger']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toContain('Ledger over time');
    expect(r.out).toContain('site:Portland audio  limit 250 kbps, 175 per session; peak 248 kbps');
    expect(r.out).toContain('Ledger invariants held');
    const csv = await cli(['explain', 'scenarios/branch-cac.yaml', '--ledger-csv', '-']);
    expect(csv.out.split('\n')[0]).toBe(
      't_s,link,modality,op,call,kbps,in_use_kbps,limit_kbps,basis,above_limit',
    );
    expect(csv.out).not.toContain('Ledger over time');
  });
});

describe('mediapath help', () => {
  it('lists the planning commands, each with its help', async () => {
    const r = await cli(['help']);
    for (const c of ['diff A B', 'compare FILE', 'plan FILE']) {
      expect(r.out).toContain(c);
    }
    for (const c of ['diff', 'compare', 'plan']) {
      const h = await cli(['help', c]);
      expect(h.code).toBe(ExitCode.OK);
      expect(h.out).toMatch(new RegExp(`^Usage: mediapath ${c} `));
    }
  });
});
