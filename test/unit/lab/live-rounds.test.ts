import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveRounds, roundCallId, roundPeriodMs } from '../../../src/lab/index.js';
import { PLAIN_CALL_OPTIONS, type Call } from '../../../src/scenario/index.js';

/** A timeline call from alice to gw at `atMs` for `durationMs`. */
function call(id: string, index: number, atMs: number, durationMs: number): Call {
  return {
    id,
    index,
    atMs,
    durationMs,
    kind: 'outbound-pstn',
    from: 'alice',
    to: 'gw',
    trunk: 'gw',
    number: null,
    codec: null,
    modality: 'audio',
    expect: null,
    ...PLAIN_CALL_OPTIONS,
  };
}

const CALLS = [call('b', 1, 500, 1000), call('a', 0, 0, 2000)];

describe('the rounds of a live lab', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('names each round calls and spaces rounds by the timeline and the pause', () => {
    expect(roundCallId('c1', 1)).toBe('c1');
    expect(roundCallId('c1', 3)).toBe('c1#3');
    expect(roundPeriodMs(CALLS, 500)).toBe(2500);
  });

  it('places every call of each round at its time, then stops after the last round', async () => {
    const placed: { id: string; at: number }[] = [];
    const rounds: number[] = [];
    const r = new LiveRounds({
      calls: CALLS,
      rounds: 2,
      pauseMs: 500,
      now: () => Date.now(),
      place: (_c, id) => {
        placed.push({ id, at: Date.now() });
        return id;
      },
      onRound: (n) => rounds.push(n),
    });
    const t0 = Date.now();
    let over = false;
    void r.placed.then(() => {
      over = true;
    });
    r.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(placed.map((p) => [p.id, p.at - t0])).toEqual([
      ['a', 0],
      ['b', 500],
      ['a#2', 2500],
      ['b#2', 3000],
    ]);
    expect(rounds).toEqual([1, 2]);
    expect(over).toBe(true);
  });

  it('places nothing more once stopped, and goes on past a call it could not place', async () => {
    const placed: string[] = [];
    const errors: string[] = [];
    const r = new LiveRounds({
      calls: CALLS,
      rounds: Infinity,
      pauseMs: 0,
      now: () => Date.now(),
      place: (_c, id) => {
        if (id === 'a') {
          throw new Error('no such host');
        }
        placed.push(id);
        return id;
      },
      onError: (id) => errors.push(id),
    });
    r.start();
    await vi.advanceTimersByTimeAsync(2100);
    r.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(errors).toEqual(['a']);
    expect(placed).toEqual(['b', 'a#2']);
    expect(r.round).toBe(2);
  });
});
