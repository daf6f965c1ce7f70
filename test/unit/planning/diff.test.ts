import { describe, expect, it } from 'vitest';
import {
  diffHtmlSection,
  diffJson,
  diffTimelines,
  firstDifference,
  formatDiff,
  withCallsOf,
} from '../../../src/planning/index.js';
import { runTimeline, type TraceStep } from '../../../src/policy/index.js';
import { styler } from '../../../src/report/index.js';
import type { Scenario } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';
import { litware } from '../../support/scenario-builder.js';

function timeline(s: Scenario): ReturnType<typeof runTimeline> {
  return runTimeline(new Topology(s), { trace: true });
}

const step = (rule: string, verdict: TraceStep['verdict'], detail = ''): TraceStep => ({
  rule,
  title: rule,
  verdict,
  detail,
  inputs: {},
});

describe('firstDifference', () => {
  it('is the first rule, in A order, whose verdict differs', () => {
    const a = [step('b.0#1', 'info'), step('b.1#10', 'pass'), step('b.1#12', 'pass')];
    const b = [step('b.0#1', 'info'), step('b.1#10', 'fail'), step('c.3#11', 'pass')];
    expect(firstDifference(a, b)).toMatchObject({
      rule: 'b.1#10',
      kind: 'verdict',
      a: { verdict: 'pass' },
      b: { verdict: 'fail' },
    });
  });

  it('matches repeated rules by their order, and names a rule one trace never reaches', () => {
    const a = [step('c.3#11', 'pass'), step('c.3#11', 'pass')];
    const b = [step('c.3#11', 'pass'), step('c.3#11', 'fail')];
    expect(firstDifference(a, b)?.b?.verdict).toBe('fail');
    expect(
      firstDifference([step('b.1', 'info')], [step('b.1', 'info'), step('c.5#21', 'fail')]),
    ).toMatchObject({ rule: 'c.5#21', a: null, b: { verdict: 'fail' } });
    expect(firstDifference([step('c.5#21', 'fail')], [])).toMatchObject({
      a: { verdict: 'fail' },
      b: null,
    });
  });

  it('falls back to the first detail that differs, and is null for the same trace', () => {
    const a = [step('c.3#11', 'pass', 'used 0 + 62')];
    const b = [step('c.3#11', 'pass', 'used 62 + 62')];
    expect(firstDifference(a, b)).toMatchObject({ rule: 'c.3#11', kind: 'detail' });
    expect(firstDifference(a, a)).toBeNull();
  });
});

describe('diffTimelines', () => {
  it('finds nothing between a configuration and itself', () => {
    const s = litware().build();
    const r = diffTimelines(timeline(s), timeline(s));
    expect(r.changed).toEqual([]);
    expect(r.calls).toBe(12);
    expect(formatDiff(r, { a: 'a.yaml', b: 'b.yaml', timeline: 'a' }, styler(false))).toContain(
      'No call changed',
    );
  });

  it("names the calls a change of Portland's subnet moves, and why", () => {
    const a = litware().build();
    const b = litware();
    const subnets = b.list('network.subnets');
    const portland = subnets.find((x) => x.subnet === '172.29.77.0');
    portland!.maskBits = 25;
    const r = diffTimelines(timeline(a), timeline(b.build()));
    const first = r.changed.find((c) => c.id === 'portland-local-gw');
    expect(first?.changes).toEqual(['decision', 'path', 'bandwidth']);
    expect(first?.a?.decision).toBe('BYPASS');
    expect(first?.b?.decision).toBe('CAC-ADMITTED');
    expect(first?.why).toMatchObject({
      rule: 'b.1#10',
      a: { verdict: 'pass' },
      b: { verdict: 'fail' },
    });
    expect(r.byKind.decision).toBe(r.changed.filter((c) => c.changes.includes('decision')).length);
    expect(r.moves[0]).toMatchObject({ from: 'BYPASS', to: 'CAC-ADMITTED' });
    const text = formatDiff(
      r,
      { a: 'litware.yaml', b: 'change.yaml', timeline: 'a' },
      styler(false),
    );
    expect(text).toContain('portland-local-gw');
    expect(text).toContain('b.1#10 Client bypass ID: pass -> FAIL');
    expect(text).toMatch(/site:Portland audio {2}\d/);
  });

  it('follows a tighter limit into later calls, with the SIP status of a refusal', () => {
    const a = litware().build();
    const b = litware().profile('5Mb_Link', { audioBWLimit: 100 }).build();
    const r = diffTimelines(timeline(a), timeline(b));
    const hairpin = r.changed.find((c) => c.id === 'old-client-hairpin');
    expect(hairpin?.changes).toContain('sip');
    expect(hairpin?.b?.sipStatus).toBe(488);
    expect(hairpin?.why).toMatchObject({ rule: 'c.3#11', b: { verdict: 'fail' } });
    const peak = r.peaks.find((p) => p.link === 'site:Portland');
    expect(peak?.b).toBeLessThan(peak?.a ?? 0);
    const doc = diffJson(a, b, r, { a: 'a.yaml', b: 'b.yaml', timeline: 'a' }) as {
      format: string;
      changedCalls: number;
    };
    expect(doc.format).toBe('mediapath-diff');
    expect(doc.changedCalls).toBe(r.changed.length);
    const html = diffHtmlSection(r, { a: 'a.yaml', b: 'b.yaml', timeline: 'a' }, () => 3);
    expect(html).toContain('<section id="what-if">');
    expect(html).toContain('data-call="old-client-hairpin" data-index="3"');
  });

  it('lists calls only one timeline has', () => {
    const a = litware().build();
    const b = litware();
    b.list('calls').splice(0, 1);
    b.add('calls', { id: 'new-call', at: 9, from: 'bob', to: 'gw-chi' });
    const r = diffTimelines(timeline(a), timeline(b.build()));
    expect(r.changed.find((c) => c.id === 'portland-local-gw')?.changes).toEqual(['removed']);
    expect(r.changed.find((c) => c.id === 'new-call')?.changes).toEqual(['added']);
    expect(r.calls).toBe(13);
  });
});

describe("withCallsOf: A's calls against B's configuration", () => {
  it("keeps B's configuration and takes A's calls", () => {
    const a = litware().build();
    const b = litware().calls({ id: 'other', at: 0, from: 'bob', to: 'gw-chi' }).build();
    const { scenario, problems } = withCallsOf(a, b);
    expect(problems).toEqual([]);
    expect(scenario.calls).toBe(a.calls);
    expect(scenario.networkConfiguration).toBe(b.networkConfiguration);
  });

  it("reports A's calls that name hosts B does not have", () => {
    const a = litware().build();
    const b = litware().calls();
    b.remove('hosts.clients', 'oscar');
    const { problems } = withCallsOf(a, b.build());
    expect(problems.map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
      'calls.9.from: unknown caller "oscar"',
      'calls.9.expect.path: unknown host "oscar" in the expected path',
    ]);
  });
});
