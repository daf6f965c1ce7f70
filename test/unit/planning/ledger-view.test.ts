import { describe, expect, it } from 'vitest';
import { runTimeline } from '../../../src/policy/index.js';
import {
  explainCalls,
  explainJson,
  formatLedger,
  LEDGER_CSV_COLUMNS,
  ledgerCsv,
  ledgerOverTime,
} from '../../../src/report/index.js';
import type { Scenario } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';
import { ScenarioBuilder } from '../../support/scenario-builder.js';

function view(s: Scenario) {
  return ledgerOverTime(explainCalls(runTimeline(new Topology(s), { trace: true })));
}

describe('the ledger over time (explain --ledger)', () => {
  it('follows branch-cac: four calls fill the link, released at their ends', () => {
    const s = ScenarioBuilder.fromFile(
      new URL('../../../scenarios/branch-cac.yaml', import.meta.url).pathname,
    ).build();
    const v = view(s);
    expect(v.links).toHaveLength(1);
    const l = v.links[0]!;
    expect(l).toMatchObject({
      link: 'site:Portland',
      modality: 'audio',
      limitKbps: 250,
      peakKbps: 248,
    });
    expect(l.rows.map((r) => `${r.op} ${r.callId} ${r.inUseKbps}`)).toEqual([
      'reserve wan-1 62',
      'reserve wan-2 124',
      'reserve wan-3 186',
      'reserve wan-4 248',
      'release wan-1 186',
      'release wan-2 124',
      'release wan-3 62',
      'release wan-4 0',
    ]);
    expect(v.checks).toEqual({
      neverNegative: true,
      withinLimits: true,
      backToZero: true,
      overrideAdmissions: 0,
      uncheckedAdmissions: 0,
      aboveLimitEvents: 0,
    });
    const text = formatLedger(v, { colour: false });
    expect(text).toContain('site:Portland audio  limit 250 kbps, 175 per session; peak 248 kbps');
    expect(text).toMatch(/0\.9 {2}\+ wan-4 +62 +248/);
    expect(text).toContain('Ledger invariants held');
    const csv = ledgerCsv(v).trim().split('\n');
    expect(csv[0]).toBe(LEDGER_CSV_COLUMNS.join(','));
    expect(csv[1]).toBe('0,site:Portland,audio,reserve,wan-1,62,62,250,checked,false');
    expect(csv).toHaveLength(9);
  });

  it('counts a call admitted by an override above the limit, and the invariants still hold', () => {
    const b = new ScenarioBuilder()
      .profile('Branch', { audioBWLimit: 100 })
      .set('voicePolicies', [{ name: 'Exec', enableBWPolicyOverride: true }])
      .client('alice', { voicePolicy: 'Exec' })
      .calls(
        { id: 'first', at: 0, from: 'alice', to: 'bob', duration: 10, codec: 'PCMU' },
        { id: 'second', at: 1, from: 'bob', to: 'alice', duration: 2, codec: 'PCMU' },
      );
    const v = view(b.build());
    const rows = v.links[0]!.rows;
    expect(rows.map((r) => `${r.op} ${r.callId} ${r.basis} ${r.aboveLimit}`)).toEqual([
      'reserve first checked false',
      'reserve second override true',
      'release second override false',
      'release first checked false',
    ]);
    expect(v.checks).toMatchObject({
      withinLimits: true,
      backToZero: true,
      overrideAdmissions: 1,
      aboveLimitEvents: 1,
    });
    const text = formatLedger(v, { colour: false });
    expect(text).toContain('bandwidth policy override, above the limit');
    expect(text).toContain('but by 1 call admitted by a bandwidth policy override');
  });

  it('goes into the explain JSON as the ledger checks', () => {
    const s = new ScenarioBuilder().build();
    const topo = new Topology(s);
    const doc = explainJson(topo, explainCalls(runTimeline(topo))) as { ledgerChecks: unknown };
    expect(doc.ledgerChecks).toMatchObject({ neverNegative: true, backToZero: true });
  });
});
