import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTimeline, type TimelineEntry } from '../../../src/policy/index.js';
import {
  buildRunResults,
  formatRunTable,
  runJson,
  type RunCallInput,
} from '../../../src/report/index.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';
import { receivedAlong } from '../../support/received-along.js';

/**
 * A transfer in the run report (b.5 #39): the part after the transfer listed after its call,
 * `transfer.expect` checked against the part as observed, the path before and after.
 */

/** transfers.yaml as a run in which media followed every decided path, parts last. */
async function transfersRun(
  change: (part: TimelineEntry) => readonly string[] | null = (p) => p.decision.mediaPath,
): Promise<RunCallInput[]> {
  const loaded = await loadScenarioFile(
    join(import.meta.dirname, '../../../scenarios/transfers.yaml'),
  );
  if (!loaded.ok) {
    throw new Error('transfers.yaml is invalid');
  }
  const t = runTimeline(new Topology(loaded.scenario));
  const input = (e: TimelineEntry, path: readonly string[], part: boolean): RunCallInput => ({
    call: e.call,
    decision: e.decision,
    finalStatus: 200,
    finalReason: 'OK',
    state: part ? 'completed' : 'transferred',
    media: { received: receivedAlong(path), drops: [] },
    sip: [],
    sent: {},
  });
  const parts = t.transfers.flatMap((p) => {
    const path = change(p);
    return path === null ? [] : [input(p, path, true)];
  });
  return [...t.entries.map((e) => input(e, e.decision.mediaPath, false)), ...parts];
}

const isMs = (h: string): boolean => h.startsWith('ms-');

describe('a transfer in the run report', () => {
  it('lists each part after its call and checks transfer.expect against it', async () => {
    const results = buildRunResults(await transfersRun(), isMs);
    expect(results.map((r) => r.call.id)).toEqual([
      'refer-to-the-peer',
      'refer-to-the-peer/transfer',
      'mediation-server-transfers',
      'mediation-server-transfers/transfer',
      'third-party-call-control',
      'third-party-call-control/transfer',
      'to-a-number-by-refer',
      'to-a-number-by-refer/transfer',
      'to-a-number-relayed',
      'to-a-number-relayed/transfer',
    ]);
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    const text = formatRunTable(results, { colour: false, title: 't' });
    expect(text).toContain(
      'mediation-server-transfers: transferred 4.0 s into the call to bob (mediation-server): before gw-mscc -> alice, after gw-mscc -> ms-chi -> bob (mediation-server-transfers/transfer, completed)',
    );
    expect(text).toContain('All 5 expectations met.');
    const json = runJson({}, results) as { calls: Record<string, unknown>[] };
    expect(json.calls[2]?.afterTransfer).toMatchObject({
      id: 'mediation-server-transfers/transfer',
      decision: 'CAC-ADMITTED',
      observedPath: 'gw-mscc -> ms-chi -> bob',
      state: 'completed',
    });
    expect(json.calls[3]?.transferOf).toBe('mediation-server-transfers');
  });

  it('fails transfer.expect when the part took another path, or there was none', async () => {
    const results = buildRunResults(
      await transfersRun((p) =>
        p.call.transferOf?.callId === 'mediation-server-transfers'
          ? ['gw-mscc', 'bob']
          : p.call.transferOf?.callId === 'third-party-call-control'
            ? null
            : p.decision.mediaPath,
      ),
      isMs,
    );
    const failures = results.flatMap((r) => r.failures.map((f) => `${r.call.id} ${f.field}`));
    expect(failures).toEqual([
      'mediation-server-transfers transfer.path',
      'third-party-call-control transfer',
    ]);
    expect(formatRunTable(results, { colour: false, title: 't' })).toContain(
      'third-party-call-control: not transferred (third-party-call-control 4.0 s into the call to bob): gw-3pcc -> alice throughout',
    );
  });
});
