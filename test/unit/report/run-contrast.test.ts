import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTimeline, type CallDecision } from '../../../src/policy/index.js';
import {
  buildRunResults,
  callJson,
  formatRunTable,
  withContrast,
  type RunCallInput,
  type RunCallResult,
} from '../../../src/report/index.js';
import { loadScenarioFile, type Call } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';
import { receivedAlong } from '../../support/received-along.js';

/** A call whose media followed `path` both ways. */
function input(call: Call, decision: CallDecision, path: readonly string[]): RunCallInput {
  const received = receivedAlong(path);
  return {
    call,
    decision,
    finalStatus: 200,
    finalReason: 'OK',
    state: 'completed',
    media: { received, drops: [] },
    sip: [],
    sent: {},
  };
}

/**
 * teams-contrast.yaml as two passes in which the media followed every decided path (each
 * pass's transfer too), the second pass's path changed by `bend` (call id, decided path:
 * observed path).
 */
async function twoPasses(
  bend: (id: string, path: readonly string[]) => readonly string[] = (_, p) => p,
): Promise<RunCallResult[]> {
  const loaded = await loadScenarioFile(
    join(import.meta.dirname, '../../../scenarios/teams-contrast.yaml'),
  );
  if (!loaded.ok) {
    throw new Error('teams-contrast.yaml is invalid');
  }
  const t = runTimeline(new Topology(loaded.scenario));
  const isMs = (h: string): boolean => h.startsWith('ms-');
  // Each pass carries its transfer out (b.5 #39): the part after it is a call of the run.
  const own = buildRunResults(
    [...t.entries, ...t.transfers].map((e) => input(e.call, e.decision, e.decision.mediaPath)),
    isMs,
  );
  const other = buildRunResults(
    [...(t.contrast?.result.entries ?? []), ...(t.contrast?.result.transfers ?? [])].map((e) =>
      input({ ...e.call, expect: null }, e.decision, bend(e.call.id, e.decision.mediaPath)),
    ),
    isMs,
  );
  return withContrast(own, other, 'teams-direct-routing');
}

describe('the contrast pass of a run', () => {
  it('checks expect.contrast against the second pass and shows both passes per call', async () => {
    const results = await twoPasses();
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    const tr = results.find((r) => r.call.id === 'external-user');
    expect(tr?.contrast?.result.observed.forward.hops).toEqual(['xavier', 'teams-tr', 'sbc-chi']);
    const text = formatRunTable(results, { colour: false, title: 't' });
    expect(text).toContain('Contrast: the same calls run again under teams-direct-routing');
    expect(text).toMatch(
      /external-user +CAC-ADMITTED +xavier -> edge-chi -> ms-chi -> sbc-chi +BYPASS +xavier -> teams-tr -> sbc-chi +both-ways/,
    );
    expect(text).toContain('7 calls. All 6 expectations met.');
    // The transfer under Teams: the Media Processor joins after it (the part's own contrast).
    expect(text).toContain(
      'transferred-to-sfb-user (teams-direct-routing): completed (transfer begun) 4.0 s into the call to sam (teams): before sbc-chi -> carol, after sbc-chi -> teams-mp -> sam (transferred-to-sfb-user/transfer, completed)',
    );
    const part = results.find((r) => r.call.id === 'transferred-to-sfb-user/transfer');
    expect(part?.contrast?.result.observed.forward.hops).toEqual(['sbc-chi', 'teams-mp', 'sam']);
    const json = callJson(tr!);
    expect(json.contrast).toMatchObject({
      deployment: 'teams-direct-routing',
      decision: 'BYPASS',
      mediaPath: ['xavier', 'teams-tr', 'sbc-chi'],
      observedPath: { forward: { hops: ['xavier', 'teams-tr', 'sbc-chi'], complete: true } },
      media: 'both-ways',
      state: 'completed',
    });
  });

  it('fails a contrast expectation on the path the packets took, not the decided one', async () => {
    const results = await twoPasses((id, p) =>
      id === 'sbc-without-bypass' ? [p[0] ?? '', p[p.length - 1] ?? ''] : p,
    );
    const r = results.find((x) => x.call.id === 'sbc-without-bypass');
    expect(r?.failures).toEqual([
      {
        field: 'contrast.path',
        expected: 'bob -> teams-mp -> sbc-old',
        actual: 'bob -> sbc-old',
      },
    ]);
    const text = formatRunTable(results, { colour: false, title: 't' });
    expect(text).toContain(
      'x sbc-without-bypass: expected contrast.path bob -> teams-mp -> sbc-old',
    );
    expect(text).toContain('1 of 6 expectations failed.');
  });

  it('leaves a run without a contrast as it was', async () => {
    const results = await twoPasses();
    const plain = results.map(({ contrast: _, ...r }) => r);
    expect(callJson(plain[0] as RunCallResult)).not.toHaveProperty('contrast');
    expect(formatRunTable(plain, { colour: false, title: 't' })).not.toContain('Contrast');
  });
});
