import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkGoals,
  formatLabCheck,
  parseAnswers,
  parseLab,
  peakReservations,
  setAnswer,
  type ConfigLookup,
  type LabDefinition,
  type LabFacts,
} from '../../../src/labs/index.js';
import { runTimeline, type LedgerEvent } from '../../../src/policy/index.js';
import {
  buildRunResults,
  type RunCallInput,
  type RunCallResult,
} from '../../../src/report/index.js';
import { loadScenarioText, type Scenario } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';

const DEFAULT = readFileSync('scenarios/default.yaml', 'utf8');

function scenario(text = DEFAULT): Scenario {
  const r = loadScenarioText(text, 'default.yaml');
  if (!r.ok) {
    throw new Error('invalid');
  }
  return r.scenario;
}

/**
 * A run made from the policy's decisions: media flows along each predicted path both ways,
 * 100 packets per hop, with `lost` packets lost at the far end.
 */
function fakeRun(s: Scenario, lost = 0): { calls: RunCallResult[]; ledger: LedgerEvent[] } {
  const entries = runTimeline(new Topology(s)).entries;
  const inputs: RunCallInput[] = entries.map((e) => {
    const path = e.decision.mediaPath;
    const stream = (receiver: string, source: string) => ({
      receiver,
      source,
      sourceAddress: '127.0.0.1:1',
      packets: 100,
      bytes: 17200,
      lost,
      jitterMs: 1,
      latencyP50Ms: null,
      latencyP99Ms: null,
    });
    const received = path.slice(1).flatMap((h, i) => {
      const prev = path[i] ?? '';
      return [stream(h, prev), stream(prev, h)];
    });
    return {
      call: e.call,
      decision: e.decision,
      finalStatus: e.decision.sip?.status ?? 200,
      finalReason: e.decision.sip?.reason ?? 'OK',
      state: e.decision.sip ? 'refused' : 'completed',
      media: { received, drops: [] },
      sip: [],
      sent: {},
    };
  });
  const ledger: LedgerEvent[] = entries.flatMap((e) =>
    e.decision.holding.reservations.map((r) => ({
      t: e.call.atMs,
      op: 'reserve' as const,
      callId: e.call.id,
      link: r.link,
      modality: r.modality,
      kbps: r.kbps,
    })),
  );
  const ms = (h: string): boolean => s.hosts.mediationServers.some((m) => m.name === h);
  return { calls: buildRunResults(inputs, ms), ledger };
}

function lab(yaml: string): LabDefinition {
  const parsed = parseLab(
    `title: T\nsummary: S\nrole: CsVoiceAdministrator\nstory: a story\n${yaml}`,
    'lab.yaml',
  );
  if (!parsed.ok) {
    throw new Error(parsed.problems.join('\n'));
  }
  return parsed.lab;
}

const noConfig: ConfigLookup = () => ({ ok: false, reason: 'no configuration here' });

function facts(over: Partial<LabFacts> = {}): LabFacts {
  const run = fakeRun(scenario());
  return { ...run, problems: [], config: noConfig, answers: new Map(), ...over };
}

describe('call goals', () => {
  it('are met when the call did what they expect, with the decision reason', () => {
    const c = checkGoals(
      lab(`goals:
  - { id: g1, title: Bypass, call: branch-bypass, expect: { decision: BYPASS, path: alice -> gw-por, media: both-ways } }`),
      facts(),
    );
    expect(c.allMet).toBe(true);
    expect(c.goals[0]?.reason).toContain(
      'branch-bypass: BYPASS, alice -> gw-por: bypass IDs match',
    );
  });

  it('say why not, with the rule trace step that stopped the path', () => {
    const c = checkGoals(
      lab(`goals:
  - { id: g1, title: T, call: hq-relayed, expect: { decision: BYPASS } }`),
      facts(),
    );
    expect(c.goals[0]?.met).toBe(false);
    expect(c.goals[0]?.reason).toMatch(
      /^hq-relayed: expected decision BYPASS, got CAC-ADMITTED; CAC-ADMITTED: \[b\.1#12\] Compare bypass IDs/,
    );
  });

  it('take a list of decisions, a list of calls or all calls, and a loss limit', () => {
    const l = lab(`goals:
  - { id: a, title: A, calls: all, expect: { decision: [BYPASS, CAC-ADMITTED, REJECTED] } }
  - { id: b, title: B, calls: [branch-bypass, hq-relayed], expect: { media: both-ways } }
  - { id: c, title: C, calls: all, expect: { maxLossPercent: 2 } }
  - { id: d, title: D, call: nope, expect: { decision: BYPASS } }`);
    const ok = checkGoals(l, facts());
    expect(ok.goals.map((g) => g.met)).toEqual([true, true, true, false]);
    expect(ok.goals[3]?.reason).toBe('no call nope in the scenario');
    const lossy = checkGoals(l, facts(fakeRun(scenario(), 10)));
    expect(lossy.goals[2]?.met).toBe(false);
    expect(lossy.goals[2]?.reason).toMatch(/expected maxLossPercent <= 2%, got 9\.09%/);
  });
});

describe('configuration, validation and link goals', () => {
  const config: ConfigLookup = (noun, identity, property) =>
    noun === 'CsTrunkConfiguration' && identity === 'Global' && property === 'EnableBypass'
      ? { ok: true, value: true }
      : { ok: false, reason: `Cannot get ${noun} "${identity ?? ''}"` };

  it('read the configuration as Get- shows it', () => {
    const c = checkGoals(
      lab(`goals:
  - { id: a, title: A, config: { get: CsTrunkConfiguration, identity: Global, property: EnableBypass, equals: true } }
  - { id: b, title: B, config: { get: CsTrunkConfiguration, identity: Global, property: EnableBypass, equals: false } }
  - { id: c, title: C, config: { get: CsTrunkConfiguration, identity: "PstnGateway:x", property: EnableBypass, exists: false } }
  - { id: d, title: D, config: { get: CsTrunkConfiguration, identity: "PstnGateway:x", property: EnableBypass, equals: false } }`),
      facts({ config }),
    );
    expect(c.goals.map((g) => g.met)).toEqual([true, false, true, false]);
    expect(c.goals[1]?.reason).toBe(
      'Get-CsTrunkConfiguration -Identity "Global": EnableBypass is True, expected False',
    );
  });

  it('check numbers against atLeast and atMost', () => {
    const limit: ConfigLookup = () => ({ ok: true, value: 250 });
    const c = checkGoals(
      lab(`goals:
  - { id: a, title: A, config: { get: P, property: AudioBWLimit, atLeast: 496, atMost: 1000 } }
  - { id: b, title: B, config: { get: P, property: AudioBWLimit, atMost: 300 } }`),
      facts({ config: limit }),
    );
    expect(c.goals.map((g) => g.met)).toEqual([false, true]);
    expect(c.goals[0]?.reason).toContain('AudioBWLimit is 250, expected at least 496');
  });

  it('find validation problems of the rules named', () => {
    const l = lab(`goals:
  - { id: a, title: A, noProblems: [d.V11] }`);
    expect(checkGoals(l, facts()).allMet).toBe(true);
    const problems = [
      {
        severity: 'warning' as const,
        code: 'SIM_ERR_SCENARIO_RULE',
        path: 'hosts.clients[0].ip',
        message: 'client alice address 10.0.0.1 is in no subnet mapped to a site',
        rule: 'd.V11',
        position: { file: 'x', line: 1, col: 1 },
      },
    ];
    const c = checkGoals(l, facts({ problems }));
    expect(c.goals[0]?.reason).toBe(
      '1 warning of d.V11; hosts.clients[0].ip: client alice address 10.0.0.1 is in no subnet mapped to a site [d.V11]',
    );
  });

  it("check the most a link's reservations held at once", () => {
    const f = facts();
    expect(peakReservations(f.ledger).get('site:Portland')).toBe(97);
    const c = checkGoals(
      lab(`goals:
  - { id: a, title: A, link: { name: "site:Portland", minPeakKbps: 97, maxPeakKbps: 100 } }
  - { id: b, title: B, link: { name: "site:Portland", minPeakKbps: 194 } }`),
      f,
    );
    expect(c.goals.map((g) => g.met)).toEqual([true, false]);
  });
});

describe('answer goals', () => {
  const l = lab(`goals:
  - id: refused
    title: R
    answer: { key: refused, question: Which calls are refused?, callsWhere: { decision: REJECTED } }
  - id: status
    title: S
    answer: { key: status, question: SIP status?, callField: { call: hq-refused, field: sipStatus }, tolerance: 0 }
  - id: link
    title: L
    answer: { key: link, question: Which link?, callField: { call: hq-refused, field: refusedLink } }
  - id: path
    title: P
    answer: { key: path, question: Which path?, callField: { call: branch-bypass, field: path } }
  - id: setting
    title: X
    points: 2
    answer: { key: setting, question: Which setting?, oneOf: [AudioBWLimit] }`);

  it('are not met until answered', () => {
    const c = checkGoals(l, facts());
    expect(c.goals.every((g) => !g.met)).toBe(true);
    expect(c.goals[0]?.reason).toBe(
      'not answered yet: Which calls are refused? (mediapath lab answer refused "...")',
    );
    expect(c.maxPoints).toBe(6);
  });

  it('are checked against the run', () => {
    const answers = new Map([
      ['refused', 'HQ-REFUSED'],
      ['status', '488'],
      ['link', 'site:Portland'],
      ['path', 'alice->gw-por'],
      ['setting', 'audiobwlimit'],
    ]);
    const c = checkGoals(l, facts({ answers }));
    expect(c.goals.map((g) => g.met)).toEqual([true, true, true, true, true]);
    expect(c.points).toBe(6);
    const wrong = checkGoals(
      l,
      facts({
        answers: new Map([
          ['refused', 'hq-refused, hq-relayed'],
          ['status', '503'],
        ]),
      }),
    );
    expect(wrong.goals.slice(0, 2).map((g) => g.met)).toEqual([false, false]);
    expect(wrong.goals[0]?.reason).toContain('the run does not show these calls');
  });
});

describe('lab.yaml', () => {
  it('reports every problem with its path', () => {
    const r = parseLab(
      'title: T\nsummary: S\nrole: R\nstory: s\ngoals:\n  - { id: a, title: A }\n  - { id: b, title: B, call: x }\nfoo: 1\n',
      'lab.yaml',
    );
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems.some((p) => p.includes('lab.yaml: (document): Unrecognized key: "foo"'))).toBe(
      true,
    );
    expect(problems.some((p) => p.includes('goals[0]: a goal checks exactly one thing'))).toBe(
      true,
    );
    expect(problems.some((p) => p.includes('goals[1]: a call goal needs expect'))).toBe(true);
  });

  it('refuses a goal id given twice', () => {
    const r = parseLab(
      'title: T\nsummary: S\nrole: R\nstory: s\ngoals:\n  - { id: a, title: A, noProblems: [d.V1] }\n  - { id: a, title: B, noProblems: [d.V2] }\n',
      'lab.yaml',
    );
    expect(r.ok ? [] : r.problems).toEqual(['lab.yaml: goals[1].id: goal "a" is given twice']);
  });
});

describe('answers.yaml and the check as printed', () => {
  it('reads, sets and keeps answers', () => {
    const text = setAnswer('# my answers\nstatus: 503\n', 'refused', 'a, b');
    expect(text).toContain('# my answers');
    const a = parseAnswers(text);
    expect(a instanceof Map ? Object.fromEntries(a) : a).toEqual({
      status: '503',
      refused: 'a, b',
    });
    expect(parseAnswers('- a\n- b\n')).toBe('not a map of answers (key: answer)');
    expect(parseAnswers('')).toEqual(new Map());
  });

  it('prints each goal, its reason and the score', () => {
    const l = lab(`goals:
  - { id: g1, title: Bypass at the branch, call: branch-bypass, expect: { decision: BYPASS } }
  - { id: g2, title: No relay, call: hq-relayed, expect: { decision: BYPASS }, points: 3 }
hints: [Look at the trace.]`);
    const text = formatLabCheck(l, checkGoals(l, facts()), {
      colour: false,
      role: 'CsVoiceAdministrator',
    });
    expect(text).toContain('T (acting as CsVoiceAdministrator)');
    expect(text).toMatch(/ 1\. met {6}Bypass at the branch\n/);
    expect(text).toMatch(/ 2\. not met {2}No relay \(3 points\)\n/);
    expect(text).toContain(
      'Score: 1/4 (25%). 1 goal is not met. mediapath lab hint shows the next hint.',
    );
  });
});
