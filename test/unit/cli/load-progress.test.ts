import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LoadProgress } from '../../../src/cli/load-progress.js';
import type { LoadLevelResult } from '../../../src/media/index.js';

/** A level result with the figures that matter here. */
function level(
  calls: number,
  o: { held: boolean; p99?: number; loss?: number; carried?: number; other?: number | null },
): LoadLevelResult {
  return {
    relay: 'mediapath',
    calls,
    seconds: 5,
    offeredPps: calls * 100,
    deliveredPps: calls * 100,
    forwardedPps: calls * 100,
    lossRatio: o.loss ?? 0,
    callsCarried: o.carried ?? calls,
    latencyMs: { p50: 1, p99: o.p99 ?? 2, p999: 3, max: 4, samples: 1000 },
    relayCpu: 0.3,
    relayRssBytes: 50e6,
    setupBytesPerCall: 1000,
    generator: { cpu: 0.4, maxLagMs: 1, foreign: 0 },
    machineCpu: 1,
    otherCpu: o.other === undefined ? 0.05 : o.other,
    held: o.held,
  };
}

/** A reporter on a non-terminal stream, and what it printed so far. */
function reporter(): { progress: LoadProgress; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { progress: new LoadProgress(stream, 5), text: () => text };
}

describe('mediapath load: progress in a pipe', () => {
  it('prints the first sample of a level at once, then one every 5 s', () => {
    const { progress, text } = reporter();
    for (const s of [1, 2, 3, 4, 5, 6, 7]) {
      progress.progress({
        elapsedMs: s * 1000,
        sent: s * 10_000,
        received: s * 10_000,
        calls: 100,
      });
    }
    expect(text().trim().split('\n')).toEqual([
      'load: 100 calls, 1/5 s, 10,000 packets/s offered, 10,000 of 10,000 received',
      'load: 100 calls, 6/5 s, 10,000 packets/s offered, 60,000 of 60,000 received',
    ]);
  });

  it('says "1 call"', () => {
    const { progress, text } = reporter();
    progress.progress({ elapsedMs: 1000, sent: 100, received: 100, calls: 1 });
    expect(text()).toContain('load: 1 call, 1/5 s');
  });

  it('gives each ramp level its outcome, and the reason and the other CPU of a re-run', () => {
    const { progress, text } = reporter();
    progress.level(level(100, { held: true }));
    progress.level(level(200, { held: false, p99: 35, other: 0.45 }));
    progress.level(level(200, { held: false, p99: 31, carried: 199, other: 0.5 }));
    progress.level(level(200, { held: false, p99: 30, other: 0.6 }));
    progress.level(level(150, { held: false, loss: 0.02, other: 0.01 }));
    expect(text().trim().split('\n')).toEqual([
      'ramp level 1: 100 calls held (loss 0.000 %, p99 2.00 ms, relay CPU 30 %; other processes used 5 % of a core)',
      'ramp level 2: 200 calls not held: p99 35.0 ms, not under 20 ms; other processes used 45 % of a core',
      '  more than 20 % of a core used by other processes: a failure under contention says little about the relay; running 200 calls again (retry 1 of 2)',
      'ramp level 3: 200 calls (run 2) not held: p99 31.0 ms, not under 20 ms, 1 call without media one way; other processes used 50 % of a core',
      '  more than 20 % of a core used by other processes: a failure under contention says little about the relay; running 200 calls again (retry 2 of 2)',
      'ramp level 4: 200 calls (run 3) not held: p99 30.0 ms, not under 20 ms; other processes used 60 % of a core',
      '  more than 20 % of a core used by other processes, but 2 retries used up: counted as not held',
      'ramp level 5: 150 calls not held: loss 2.000 %, not under 0.100 %; other processes used 1 % of a core',
    ]);
  });

  it('prints the first sample of the next level at once', () => {
    const { progress, text } = reporter();
    progress.progress({ elapsedMs: 1000, sent: 1, received: 1, calls: 100 });
    progress.progress({ elapsedMs: 2000, sent: 2, received: 2, calls: 100 });
    progress.level(level(100, { held: true }));
    progress.progress({ elapsedMs: 1000, sent: 1, received: 1, calls: 200 });
    expect(text().trim().split('\n')).toHaveLength(3);
    expect(text()).toContain('load: 200 calls, 1/5 s');
  });
});
