import { describe, expect, it } from 'vitest';
import { TimerWheel, type Clock } from '../../../src/core/index.js';

/** A clock the test moves by hand. */
function manualClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    wallNow: () => c.t,
  };
  return c;
}

describe('TimerWheel', () => {
  it('fires a timer on the first tick at or after its deadline, never before', () => {
    const clock = manualClock();
    const wheel = new TimerWheel({ tickMs: 10, slots: 8, clock, autoTick: false });
    const fired: number[] = [];
    wheel.timer(() => fired.push(clock.t)).arm(25);
    clock.t = 29;
    wheel.advance();
    expect(fired).toEqual([]);
    clock.t = 30;
    wheel.advance();
    expect(fired).toEqual([30]);
    expect(wheel.size).toBe(0);
  });

  it('keeps a timer due after more than one turn of the wheel until its turn', () => {
    const clock = manualClock();
    const wheel = new TimerWheel({ tickMs: 10, slots: 4, clock, autoTick: false });
    let fired = 0;
    wheel.timer(() => fired++).arm(100);
    for (clock.t = 10; clock.t < 100; clock.t += 10) {
      wheel.advance();
    }
    expect(fired).toBe(0);
    clock.t = 100;
    wheel.advance();
    expect(fired).toBe(1);
  });

  it('moves a re-armed timer and forgets a cancelled one', () => {
    const clock = manualClock();
    const wheel = new TimerWheel({ tickMs: 10, slots: 16, clock, autoTick: false });
    const fired: string[] = [];
    const a = wheel.timer(() => fired.push('a'));
    const b = wheel.timer(() => fired.push('b'));
    a.arm(10);
    b.arm(10);
    a.arm(50);
    b.cancel();
    expect(b.armed).toBe(false);
    expect(wheel.size).toBe(1);
    clock.t = 40;
    wheel.advance();
    expect(fired).toEqual([]);
    clock.t = 50;
    wheel.advance();
    expect(fired).toEqual(['a']);
  });

  it('lets a callback cancel the next timer of the same slot and arm new ones', () => {
    const clock = manualClock();
    const wheel = new TimerWheel({ tickMs: 10, slots: 16, clock, autoTick: false });
    const fired: string[] = [];
    const c = wheel.timer(() => fired.push('c'));
    const d = wheel.timer(() => fired.push('d'));
    const b = wheel.timer(() => {
      fired.push('b');
      c.cancel();
      d.arm(5);
    });
    b.arm(10);
    c.arm(10);
    clock.t = 10;
    wheel.advance();
    expect(fired).toEqual(['b']);
    clock.t = 20;
    wheel.advance();
    expect(fired).toEqual(['b', 'd']);
  });

  it('fires the others when a callback throws, and throws the error afterwards', async () => {
    const clock = manualClock();
    const wheel = new TimerWheel({ tickMs: 10, slots: 16, clock, autoTick: false });
    let fired = 0;
    wheel
      .timer(() => {
        throw new Error('boom');
      })
      .arm(10);
    wheel.timer(() => fired++).arm(10);
    const thrown = new Promise<unknown>((resolve) => {
      process.once('uncaughtException', resolve);
    });
    clock.t = 10;
    wheel.advance();
    expect(fired).toBe(1);
    expect(((await thrown) as Error).message).toBe('boom');
  });

  it('ticks by itself on the real clock and stops when nothing is armed', async () => {
    const wheel = new TimerWheel({ tickMs: 5 });
    const start = performance.now();
    const at = await new Promise<number>((resolve) => {
      wheel.timer(() => resolve(performance.now())).arm(20);
    });
    expect(at - start).toBeGreaterThanOrEqual(19);
    expect(wheel.size).toBe(0);
  });

  it('rejects a tick below 1 ms and slots that are not a power of two', () => {
    expect(() => new TimerWheel({ tickMs: 0 })).toThrow(RangeError);
    expect(() => new TimerWheel({ slots: 100 })).toThrow(RangeError);
  });
});
