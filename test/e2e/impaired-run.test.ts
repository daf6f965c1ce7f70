import { describe, expect, it } from 'vitest';
import { runFixtureLive } from '../support/live-fixture.js';

/**
 * A live run across an impaired link: the link's own counters and what the receivers measured
 * both match the configuration within stated tolerances. Loss is seeded, so its count is the
 * same on every run with the same traffic; delay and jitter depend on the machine's timers.
 */
describe('a live run across an impaired link', () => {
  it('delays, jitters and drops SIP and RTP as configured (30 ms, +-4 ms, 10 %)', async () => {
    const { result: r } = await runFixtureLive('impaired-link.yaml');
    const call = r.calls[0];
    expect(call?.state).toBe('completed');
    expect(r.links).toHaveLength(2);
    for (const l of r.links) {
      const m = l.measured;
      // About 250 RTP packets a direction over 5 s, plus SIP and RTCP.
      expect(m.offered).toBeGreaterThan(240);
      const loss = (m.droppedRandom / m.offered) * 100;
      // Binomial: sd = sqrt(0.1 * 0.9 / n) is under 2 % for n > 240; allow 4 sd.
      expect(loss).toBeGreaterThan(2);
      expect(loss).toBeLessThan(18);
      // Uniform jitter keeps the mean at the base delay; the 1 ms release tick and the event
      // loop add up to a few ms.
      expect(m.delayMeanMs).toBeGreaterThan(29);
      expect(m.delayMeanMs).toBeLessThan(36);
      expect(m.delayMinMs).toBeGreaterThanOrEqual(26);
      // Uniform +-4 ms has sd 2.3 ms.
      expect(m.delayStdMs).toBeGreaterThan(1.2);
      expect(m.delayStdMs).toBeLessThan(4.5);
    }
    // The receivers see the loss too (RFC 3550 cumulative loss at each end).
    for (const receiver of ['bob', 'gw-por']) {
      const s = call?.media.received.find((x) => x.receiver === receiver);
      expect(s).toBeDefined();
      const lossPct = ((s?.lost ?? 0) / ((s?.packets ?? 0) + (s?.lost ?? 0))) * 100;
      expect(lossPct).toBeGreaterThan(2);
      expect(lossPct).toBeLessThan(18);
      expect(s?.jitterMs).toBeGreaterThan(0.5);
    }
  }, 30_000);
});
