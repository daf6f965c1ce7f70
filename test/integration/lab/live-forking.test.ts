import { describe, expect, it } from 'vitest';
import type { RunCallResult } from '../../../src/report/index.js';
import { observedForking } from '../../../src/report/observed-forking.js';
import { runFixtureLive } from '../../support/live-fixture.js';

/**
 * A call to a user with several endpoints, live (b.5 #37, #38): every endpoint gets an INVITE
 * and rings, one answers, the others get CANCEL; on an inbound PSTN call the gateway peer gets
 * an early dialog (a To tag of its own) per ringing endpoint, MaxEarlyDialogs at most; a peer
 * given more than it handles clips the greeting.
 */

async function liveCalls(): Promise<readonly RunCallResult[]> {
  return (await runFixtureLive('live-forking.yaml')).calls;
}

/** What `host` received of the call, as first lines (`INVITE ...`, `CANCEL ...`). */
function received(c: RunCallResult, host: string): string[] {
  return c.sip.filter((m) => m.host === host && m.dir === 'in').map((m) => m.summary);
}

describe('live forking', () => {
  it('rings every endpoint, answers from one, cancels the others, and passes early dialogs on', async () => {
    const calls = await liveCalls();
    const byId = (id: string): RunCallResult => calls.find((c) => c.call.id === id)!;
    for (const c of calls) {
      expect(c.failures).toEqual([]);
    }
    const inbound = byId('three-early-dialogs');
    expect(observedForking(inbound)).toEqual({
      rang: expect.arrayContaining(['alice-pc', 'alice-laptop', 'alice-phone']) as unknown,
      answeredBy: 'alice-laptop',
      earlyDialogs: 3,
      clippedPackets: 0,
    });
    for (const other of ['alice-pc', 'alice-phone']) {
      expect(received(inbound, other).some((s) => s.startsWith('CANCEL'))).toBe(true);
    }
    expect(received(inbound, 'alice-laptop').some((s) => s.startsWith('CANCEL'))).toBe(false);
    // The gateway's provisional answers: one per endpoint (183 with its early media's
    // description), each with a To tag of its own.
    expect(received(inbound, 'gw-por').filter((s) => s.startsWith('183')).length).toBe(3);

    expect(observedForking(byId('capped'))?.earlyDialogs).toBe(2);
    // gw-legacy handles one early dialog and gets three: it sends to the first one's media
    // (alice-pc bypasses) for the clip and does not follow the relayed answer's media then.
    const clipped = byId('clipped');
    const seen = observedForking(clipped)!;
    expect(seen.answeredBy).toBe('alice-phone');
    expect(seen.clippedPackets).toBeGreaterThan(30);
    expect(seen.clippedPackets).toBeLessThan(70);
    const stray = clipped.media.received.find(
      (r) => r.receiver === 'alice-pc' && r.source === 'gw-legacy',
    );
    expect(stray?.packets).toBeGreaterThan(30);

    const colleague = observedForking(byId('colleague'));
    expect(colleague?.answeredBy).toBe('alice-pc');
    expect(colleague?.rang).toHaveLength(3);
  }, 20_000);
});
