/**
 * A/V Edge relay chains: which Edges a media path crosses, and how their relay sessions are
 * joined (against a recording fake relay).
 */
import { describe, expect, it } from 'vitest';
import { assignLoopback } from '../../../src/lab/addressing.js';
import type { CallRecord } from '../../../src/lab/call-observations.js';
import { edgeChain, edgesBetween } from '../../../src/lab/edge-chain.js';
import type { RelayControl } from '../../../src/lab/host-context.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';

const loaded = await loadScenarioFile('test/fixtures/scenarios/live-edge.yaml');
if (!loaded.ok) {
  throw new Error('fixture must load');
}
const scenario = loaded.scenario;
const addressing = assignLoopback(scenario);

describe('edgesBetween', () => {
  it('names the Edges strictly between two hosts, in order from the first', () => {
    const path = ['xavier', 'edge-chi', 'ms-chi', 'gw-chi'];
    expect(edgesBetween(scenario, path, 'xavier', 'ms-chi')).toEqual(['edge-chi']);
    expect(edgesBetween(scenario, path, 'ms-chi', 'xavier')).toEqual(['edge-chi']);
    expect(edgesBetween(scenario, path, 'ms-chi', 'gw-chi')).toEqual([]);
    expect(edgesBetween(scenario, path, 'xavier', 'bob')).toEqual([]);
  });
});

describe('edgeChain', () => {
  it('joins one session per Edge, leg B of each to leg A of the next, and tracks each', async () => {
    const ops: string[] = [];
    let n = 0;
    const relay: RelayControl = {
      allocate: (request) => {
        n++;
        ops.push(`allocate ${request.legA.bindAddress}`);
        return Promise.resolve({
          id: `s${n}`,
          legA: { address: `a${n}`, port: n * 10 },
          legB: { address: `b${n}`, port: n * 10 + 1 },
        });
      },
      setPeer: (id, leg, peer) => {
        ops.push(`${id}.${leg} -> ${peer.address}:${peer.port}`);
        return Promise.resolve();
      },
      close: () => Promise.resolve(true),
      stats: () => Promise.reject(new Error('unused')),
    };
    const tracked: string[] = [];
    const ctx = {
      addressing,
      relayOf: () => relay,
      trackRelay: (_rec: CallRecord, host: string, id: string) => {
        tracked.push(`${host} ${id}`);
      },
    };
    const rec = {} as CallRecord;
    // The fixture has one Edge; a chain of two uses it twice, which shows the joining.
    const chain = await edgeChain(ctx, rec, ['edge-chi', 'edge-chi']);
    await chain.setClientPeer({ address: 'client', port: 1 });
    await chain.setFarPeer({ address: 'far', port: 2 });
    const edge = addressing.addressOf('edge-chi');
    expect(ops).toEqual([
      `allocate ${edge}`,
      `allocate ${edge}`,
      's1.B -> a2:20',
      's2.A -> b1:11',
      's1.A -> client:1',
      's2.B -> far:2',
    ]);
    expect(chain.clientFacing).toEqual({ address: 'a1', port: 10 });
    expect(chain.farFacing).toEqual({ address: 'b2', port: 21 });
    expect(tracked).toEqual(['edge-chi s1', 'edge-chi s2']);
    await expect(edgeChain(ctx, rec, [])).rejects.toMatchObject({ code: 'SIM_ERR_INTERNAL' });
  });
});
