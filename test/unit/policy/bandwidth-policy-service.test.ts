import { describe, expect, it } from 'vitest';
import { PolicyService, runTimeline } from '../../../src/policy/index.js';
import type { Call } from '../../../src/scenario/index.js';
import type { Topology } from '../../../src/topology/index.js';
import { ScenarioBuilder } from '../../support/scenario-builder.js';

/** Bypass off: alice's call through gw-por is relayed and holds bandwidth on Portland's uplink. */
const relayed = (): Topology =>
  new ScenarioBuilder()
    .trunk('global', { enableBypass: false })
    .calls(
      { id: 'c1', at: 0, from: 'alice', to: 'gw-por' },
      { id: 'c2', at: 0, from: 'alice', to: 'gw-chi' },
    )
    .topology();

function call(topo: Topology, id: string): Call {
  const c = topo.scenario.calls.find((x) => x.id === id);
  if (!c) {
    throw new Error(`no call ${id}`);
  }
  return c;
}

describe('PolicyService (the Bandwidth Policy Service)', () => {
  it('c.3#12 decides a call, then reserves what it holds', () => {
    const topo = relayed();
    const service = new PolicyService(topo);
    const d = service.decide(call(topo, 'c1'));
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(service.holds('c1')).toBe(true);
    expect(service.snapshot()).toEqual([{ link: 'site:Portland', modality: 'audio', kbps: 141.8 }]);
  });

  it('decides a call once: a later question gets the same answer and reserves nothing more', () => {
    const topo = relayed();
    const service = new PolicyService(topo);
    const first = service.decide(call(topo, 'c1'));
    expect(service.decide(call(topo, 'c1'))).toBe(first);
    expect(service.decisionOf('c1')).toBe(first);
    expect(service.snapshot()).toEqual([{ link: 'site:Portland', modality: 'audio', kbps: 141.8 }]);
  });

  it('c.3#12 releases what a call holds, once', () => {
    const topo = relayed();
    const service = new PolicyService(topo);
    service.decide(call(topo, 'c1'));
    expect(service.release('c1')).toBe(true);
    expect(service.release('c1')).toBe(false);
    expect(service.holds('c1')).toBe(false);
    expect(service.snapshot()).toEqual([]);
  });

  it('reports what would be decided now for a call never decided, without reserving', () => {
    const topo = relayed();
    const service = new PolicyService(topo);
    const d = service.reportedDecision(call(topo, 'c2'));
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(service.holds('c2')).toBe(false);
    expect(service.decisionOf('c2')).toBeUndefined();
    expect(service.snapshot()).toEqual([]);
  });

  it('keeps no decisions when asked (long runs): each call is asked about once', () => {
    const topo = relayed();
    const service = new PolicyService(topo, { keepDecisions: false });
    service.decide(call(topo, 'c1'));
    expect(service.decisionOf('c1')).toBeUndefined();
    expect(service.holds('c1')).toBe(true);
    service.release('c1');
    expect(service.decide(call(topo, 'c1')).decision).toBe('CAC-ADMITTED');
  });

  it('records the rule trace unless told not to', () => {
    const topo = relayed();
    expect(new PolicyService(topo).decide(call(topo, 'c1')).trace.length).toBeGreaterThan(0);
    expect(new PolicyService(topo, { trace: false }).decide(call(topo, 'c1')).trace).toEqual([]);
  });

  it('the timeline decides, reserves and releases through it: the same decisions, nothing left at the end', () => {
    const topo = relayed();
    const service = new PolicyService(topo);
    const byHand = topo.scenario.calls.map((c) => service.decide(c));
    const timeline = runTimeline(topo);
    expect(timeline.entries.map((e) => e.decision)).toEqual(byHand);
    expect(timeline.ledgerAtEnd).toEqual([]);
  });
});
