import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunCallInput } from '../../../src/report/index.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';
import {
  eventually,
  openFds,
  openOutsideLabFor,
  peerOffer,
  placeFrom,
  type OutsideLab,
} from '../../support/outside-lab.js';

/**
 * A lab kept up for many calls keeps no record of a call once it is over: each finished call is
 * handed over whole (decision, observed path, legs, SIP log) and forgotten, with its decision,
 * so that the calls held, the relay sessions and the file descriptors go back to where they
 * were however many calls went through.
 */
const FIXTURE = 'test/fixtures/scenarios/outside-peers.yaml';
const CALLS = 240;
// The Portland uplink carries ten G.711 calls at once (1000 kbps, 97 each): stay under it.
const AT_ONCE = 8;

describe('a lab kept up for many calls', () => {
  let o: OutsideLab;
  const summaries: RunCallInput[] = [];
  let fds = 0;

  beforeAll(async () => {
    const loaded = await loadScenarioFile(FIXTURE);
    if (!loaded.ok) {
      throw new Error('fixture invalid');
    }
    o = await openOutsideLabFor(loaded.scenario, ['alice'], {
      long: { onCall: (c: RunCallInput) => summaries.push(c) },
    });
    fds = openFds();
  });

  afterAll(async () => {
    await o.close();
  });

  it(`forgets each of ${CALLS} calls once it is summarised`, async () => {
    const alice = o.peers.get('alice')!;
    const ms = o.lab.sipListener('ms-chi', 'client');
    const uri = `sip:+13125550199@${ms.address}:${ms.port}`;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < CALLS) {
        next++;
        const r = await placeFrom(alice, uri, peerOffer(alice.stack.address));
        expect(r.status).toBe(200);
        expect(await r.call.bye()).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, () => worker()));
    expect(await eventually(() => summaries.length === CALLS, 10_000)).toBe(true);
    expect(o.lab.lab.heldCalls).toBe(0);
    expect(summaries.every((s) => s.state === 'completed' && s.sip.length > 0)).toBe(true);
    expect(new Set(summaries.map((s) => s.call.id)).size).toBe(CALLS);
    expect(await eventually(async () => (await o.lab.relayCounters()).sessions === 0)).toBe(true);
    expect(await eventually(() => openFds() <= fds)).toBe(true);
    // What the lab reports now holds nothing of those calls.
    const now = await o.lab.result({ final: false, aborted: false });
    expect(now.calls).toEqual([]);
  }, 60_000);
});

describe('a lab kept up with its SIP log off', () => {
  let o: OutsideLab;
  const summaries: RunCallInput[] = [];

  beforeAll(async () => {
    const loaded = await loadScenarioFile(FIXTURE);
    if (!loaded.ok) {
      throw new Error('fixture invalid');
    }
    o = await openOutsideLabFor(loaded.scenario, ['alice'], {
      sipLog: false,
      long: { onCall: (c: RunCallInput) => summaries.push(c) },
    });
  });

  afterAll(async () => {
    await o.close();
  });

  it('hands over every call with its decision, state and path and no SIP message', async () => {
    const alice = o.peers.get('alice')!;
    const ms = o.lab.sipListener('ms-chi', 'client');
    const uri = `sip:+13125550199@${ms.address}:${ms.port}`;
    for (let i = 0; i < 6; i++) {
      const r = await placeFrom(alice, uri, peerOffer(alice.stack.address));
      expect(r.status).toBe(200);
      expect(await r.call.bye()).toBe(200);
    }
    expect(await eventually(() => summaries.length === 6, 10_000)).toBe(true);
    // The same call six times: admitted and relayed by ms-chi to the PSTN gateway, no message kept.
    for (const s of summaries) {
      expect([s.state, s.decision.decision, s.decision.mediaPath, s.sip]).toEqual([
        'completed',
        'CAC-ADMITTED',
        ['alice', 'ms-chi', 'gw-chi'],
        [],
      ]);
    }
    expect(o.lab.lab.heldCalls).toBe(0);
    expect(await eventually(async () => (await o.lab.relayCounters()).sessions === 0)).toBe(true);
  }, 30_000);
});
