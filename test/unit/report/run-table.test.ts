import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTimeline } from '../../../src/policy/index.js';
import {
  buildRunResults,
  formatRunTable,
  visibleLength,
  type RunCallInput,
} from '../../../src/report/index.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';
import { receivedAlong } from '../../support/received-along.js';

/** The default scenario's calls as a run in which media followed every decided path. */
async function defaultRun(): Promise<ReturnType<typeof buildRunResults>> {
  const loaded = await loadScenarioFile(
    join(import.meta.dirname, '../../../scenarios/default.yaml'),
  );
  if (!loaded.ok) {
    throw new Error('default.yaml is invalid');
  }
  const entries = runTimeline(new Topology(loaded.scenario)).entries;
  const inputs: RunCallInput[] = entries.map(({ call, decision }) => {
    const path = decision.mediaPath;
    const received = receivedAlong(path);
    const refused = decision.decision === 'REJECTED';
    return {
      call,
      decision,
      finalStatus: refused ? (decision.sip?.status ?? 488) : 200,
      finalReason: refused ? (decision.sip?.reason ?? '') : 'OK',
      state: refused ? 'refused' : 'completed',
      media: { received, drops: [] },
      sip: [],
      sent: {},
    };
  });
  return buildRunResults(inputs, (h) => h.startsWith('ms-'));
}

describe('the run table', () => {
  it('keeps every line within the terminal width, shortening the reason', async () => {
    const results = await defaultRun();
    const text = formatRunTable(results, { colour: false, title: 't', width: 180 });
    const lines = text.split('\n');
    expect(Math.max(...lines.map(visibleLength))).toBeLessThanOrEqual(180);
    expect(text).toContain('…');
    expect(text).toContain('3 calls. All 3 expectations met.');
  });

  it('puts the reason on a line of its own when the other columns fill a narrow terminal', async () => {
    const results = await defaultRun();
    const text = formatRunTable(results, { colour: false, title: 't', width: 100 });
    const lines = text.split('\n');
    const row = lines.findIndex((l) => l.startsWith('1 '));
    expect(row).toBeGreaterThan(0);
    expect(lines[row + 1]).toMatch(/^ {3}bypass IDs match/);
  });

  it('prints everything with no width (--wide, or a pipe)', async () => {
    const results = await defaultRun();
    const text = formatRunTable(results, { colour: false, title: 't' });
    expect(text).not.toContain('…');
    expect(text).toContain('bypass IDs match (site Portland (auto, constrained uplink))');
  });

  it('says that an interrupted run was interrupted and does not evaluate expectations', async () => {
    const results = await defaultRun();
    const text = formatRunTable(results, { colour: false, title: 't', interrupted: true });
    expect(text).toContain(
      'Interrupted: 3 of 3 calls started, 3 ended before the run was stopped. Expectations not evaluated.',
    );
    expect(text).not.toContain('expectations met');
  });
});
