import { describe, expect, it } from 'vitest';
import { runFixtureLive } from '../../support/live-fixture.js';

/**
 * A relayed call across a link with 30 ms of jitter: the relay's own legs run RFC 3550 A.8 on
 * what they receive, so the report's jitter on the Mediation Server's hop is the link's, not 0.
 * The bound is loose (a busy machine adds jitter, it never removes the link's).
 */
describe('jitter on the relay legs', () => {
  it('measures the injected jitter on the Mediation Server hop as the endpoints do', async () => {
    const { result: r } = await runFixtureLive('relayed-jitter.yaml');
    const call = r.calls[0];
    expect(call?.state).toBe('completed');
    const atRelay = call?.media.received.find(
      (x) => x.receiver === 'ms-chi' && x.source === 'alice',
    );
    const atAlice = call?.media.received.find(
      (x) => x.receiver === 'alice' && x.source === 'ms-chi',
    );
    const quiet = call?.media.received.find(
      (x) => x.receiver === 'ms-chi' && x.source === 'gw-chi',
    );
    expect(atRelay?.packets).toBeGreaterThan(100);
    expect(atRelay?.jitterMs).toBeGreaterThan(5);
    expect(atAlice?.jitterMs).toBeGreaterThan(5);
    // The gateway's leg crosses no link: its jitter stays small.
    expect(quiet?.jitterMs).toBeLessThan(atRelay?.jitterMs ?? 0);
  }, 30_000);
});
