import { describe, expect, it } from 'vitest';
import {
  mergeCallPartials,
  mergeLinkObservations,
  type CallPartial,
} from '../../../src/lab/merge.js';
import type { CallDecision } from '../../../src/policy/index.js';
import type { LinkObservation, SipLogEntry } from '../../../src/report/index.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';

const loaded = await loadScenarioFile('scenarios/default.yaml');
if (!loaded.ok) {
  throw new Error('default scenario must load');
}
const calls = loaded.scenario.calls;
const first = calls[0];
if (!first) {
  throw new Error('default scenario has calls');
}
const decision = { decision: 'BYPASS' } as unknown as CallDecision;

function sip(t: number, host: string): SipLogEntry {
  return { t, host, dir: 'in', peer: 'x', summary: `INVITE at ${t}`, callId: 'c' };
}

function partial(over: Partial<CallPartial>): CallPartial {
  return {
    callId: first?.id ?? '',
    state: null,
    finalStatus: null,
    finalReason: null,
    received: [],
    drops: [],
    sip: [],
    sent: {},
    ...over,
  };
}

describe('mergeCallPartials', () => {
  it('joins every process view of a call: media, sent counts, SIP in time order', () => {
    const [merged] = mergeCallPartials(
      [first],
      [
        [
          partial({
            state: 'completed',
            finalStatus: 200,
            finalReason: 'OK',
            sip: [sip(5, 'alice'), sip(40, 'alice')],
            sent: { alice: 200 },
            received: [
              {
                receiver: 'alice',
                source: 'gw-por',
                sourceAddress: '1.1.1.1:1',
                packets: 199,
                bytes: 1,
                lost: 0,
                jitterMs: 1,
                latencyP50Ms: null,
                latencyP99Ms: null,
              },
            ],
          }),
        ],
        [partial({ sip: [sip(12, 'gw-por')], sent: { 'gw-por': 201 } })],
      ],
      () => decision,
    );
    expect(merged?.state).toBe('completed');
    expect(merged?.finalStatus).toBe(200);
    expect(merged?.sent).toEqual({ alice: 200, 'gw-por': 201 });
    expect(merged?.sip.map((e) => e.t)).toEqual([5, 12, 40]);
    expect(merged?.media.received).toHaveLength(1);
    expect(merged?.decision).toBe(decision);
  });

  it("prefers the orchestrator's outcome, and reports a call nobody saw as failed", () => {
    const [told] = mergeCallPartials(
      [first],
      [[partial({ state: 'completed', finalStatus: 200 })]],
      () => decision,
      () => ({ state: 'refused', status: 488, reason: 'no' }),
    );
    expect(told?.state).toBe('refused');
    expect(told?.finalStatus).toBe(488);
    const [unseen] = mergeCallPartials([first], [], () => decision);
    expect(unseen?.state).toBe('failed');
    expect(unseen?.media.received).toEqual([]);
  });
});

function link(delivered: number, samples: number[]): LinkObservation {
  const mean = samples.reduce((a, b) => a + b, 0) / (samples.length || 1);
  const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length || 1));
  return {
    name: 'A -> B',
    configured: {
      delayMs: 20,
      jitterMs: 2,
      lossPercent: 1,
      burst: false,
      rateKbps: null,
      queueMs: 0,
    },
    measured: {
      offered: delivered + 1,
      delivered,
      droppedRandom: 1,
      droppedBurst: 0,
      droppedQueue: 0,
      delayMeanMs: mean,
      delayStdMs: sd,
      delayMinMs: samples.length ? Math.min(...samples) : 0,
      delayMaxMs: samples.length ? Math.max(...samples) : 0,
    },
  };
}

describe('mergeLinkObservations', () => {
  it('adds counters and pools delay mean and spread as over all datagrams at once', () => {
    const a = [18, 20, 22, 21];
    const b = [25, 19];
    const [m] = mergeLinkObservations([[link(a.length, a)], [link(b.length, b)], [link(0, [])]]);
    const all = link(6, [...a, ...b]).measured;
    expect(m?.measured.offered).toBe(4 + 1 + 2 + 1 + 1);
    expect(m?.measured.delivered).toBe(6);
    expect(m?.measured.droppedRandom).toBe(3);
    expect(m?.measured.delayMeanMs).toBeCloseTo(all.delayMeanMs, 9);
    expect(m?.measured.delayStdMs).toBeCloseTo(all.delayStdMs, 9);
    expect(m?.measured.delayMinMs).toBe(18);
    expect(m?.measured.delayMaxMs).toBe(25);
  });
});
