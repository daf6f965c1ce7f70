/**
 * Waiting for a quiet machine before a benchmark's step: the benchmarks share a machine with
 * other work and measure CPU, so each waits until other processes are idle before it loads
 * the machine itself.
 */
import { machineBusySeconds } from '../dist/media/index.js';

/**
 * Waits (at most `maxMs`) until the machine is quiet: less than 0.25 of a core busy over a
 * one-second sample while the benchmark itself is idle. Returns the last sample, in cores
 * (null where /proc/stat cannot be read).
 */
export async function waitQuiet(maxMs = 60_000) {
  const deadline = Date.now() + maxMs;
  let busy = null;
  while (Date.now() < deadline) {
    const a = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineBusySeconds();
    busy = a === null || b === null ? null : b - a;
    if (busy === null || busy < 0.25) {
      break;
    }
  }
  return busy;
}
