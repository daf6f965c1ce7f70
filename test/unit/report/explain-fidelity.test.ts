import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTimeline } from '../../../src/policy/index.js';
import {
  checkExpectation,
  explainCalls,
  explainJson,
  formatExplain,
  renderHtmlReport,
} from '../../../src/report/index.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';

async function explained(file: string) {
  const loaded = await loadScenarioFile(join(import.meta.dirname, '../../../scenarios', file));
  if (!loaded.ok) {
    throw new Error(`${file} is invalid`);
  }
  const topo = new Topology(loaded.scenario);
  return { topo, calls: explainCalls(runTimeline(topo, { trace: true })) };
}

describe('explain shows what a decision asks of the live run', () => {
  it('a forked call: the endpoints, the early dialogs and the answering one', async () => {
    const { topo, calls } = await explained('users-forking.yaml');
    expect(calls.every((c) => c.failures.length === 0)).toBe(true);
    const text = formatExplain(topo, calls, { trace: false, colour: false });
    expect(text).toContain('gw-por -> alice (user; answered by alice-laptop)');
    expect(text).toContain(
      'rings     user alice: alice-pc BYPASS (cancelled), alice-laptop BYPASS (answers), alice-phone CAC-ADMITTED (cancelled), answered after 2s; 3 early dialogs to gw-por (MaxEarlyDialogs 20)',
    );
    expect(text).toContain(
      'streams   gw-por<->alice-laptop audio PCMU pt 0, 160 B every 20 ms, 97 kbps',
    );
    const doc = explainJson(topo, calls) as { calls: Record<string, unknown>[] };
    expect(doc.calls[0]?.user).toBe('alice');
    expect((doc.calls[0]?.forking as { earlyDialogs: number }).earlyDialogs).toBe(3);
  });

  it('a transfer: both paths, the expectation of the part after it, the ledger released early', async () => {
    const { topo, calls } = await explained('transfers.yaml');
    const relayed = calls.find((c) => c.entry.call.id === 'mediation-server-transfers');
    expect(relayed?.transfer?.decision.mediaPath).toEqual(['gw-mscc', 'ms-chi', 'bob']);
    const text = formatExplain(topo, calls, { trace: false, colour: false });
    expect(text).toContain(
      'transfer  at 4s alice transfers to bob: mediation-server (bypass lost); after: CAC-ADMITTED gw-mscc -> ms-chi -> bob',
    );
    const doc = explainJson(topo, calls) as {
      calls: { afterTransfer: { mediaPath: string[] } | null }[];
      ledger: { callId: string; t: number; op: string }[];
    };
    expect(doc.calls[1]?.afterTransfer?.mediaPath).toEqual(['gw-mscc', 'ms-chi', 'bob']);
    expect(doc.ledger.find((e) => e.callId === 'mediation-server-transfers/transfer')?.t).toBe(
      5000,
    );
  });

  it('a failed expectation of the part after a transfer names it', async () => {
    const { calls } = await explained('transfers.yaml');
    const c = calls[0];
    expect(c?.transfer).not.toBeNull();
    expect(
      checkExpectation(
        { decision: 'RELAY' },
        { decision: 'BYPASS', path: [], reason: '' },
        'transfer.',
      ),
    ).toEqual([{ field: 'transfer.decision', expected: 'RELAY', actual: 'BYPASS' }]);
  });

  it('the contrast deployment side by side, and in the HTML page', async () => {
    const { topo, calls } = await explained('teams-contrast.yaml');
    expect(calls.every((c) => c.failures.length === 0)).toBe(true);
    const text = formatExplain(topo, calls, { trace: true, colour: false });
    expect(text).toContain('contrast  teams-direct-routing: BYPASS xavier -> teams-tr -> sbc-chi');
    expect(text).toContain('after the transfer: RELAY sbc-chi -> teams-mp -> sam');
    expect(text).toContain('trace under teams-direct-routing');
    const html = await renderHtmlReport(explainJson(topo, calls));
    expect(html).toContain('<h3>Under teams-direct-routing</h3>');
    expect(html).toContain('<h3>Planned streams</h3>');
    expect(html).toContain('Teams Transport Relay');
    expect(html).toContain('id="rule-g-4"');
  });

  it('the decided expectation keys: codec, video codec, RTCP teardown', async () => {
    const video = await explained('video-calls.yaml');
    expect(video.calls.every((c) => c.failures.length === 0)).toBe(true);
    const rtcp = await explained('rtcp-supervision.yaml');
    expect(rtcp.calls.map((c) => c.entry.endsAtMs)).toEqual([30_000, 31_000, 42_000, 23_000]);
    expect(
      checkExpectation(
        { rtcpTeardown: true, codec: 'PCMU' },
        { decision: 'BYPASS', path: [], reason: '', rtcpTeardown: false, codec: null },
      ),
    ).toEqual([
      { field: 'codec', expected: 'PCMU', actual: 'none' },
      { field: 'rtcpTeardown', expected: 'true', actual: 'false' },
    ]);
  });
});
