/**
 * Assertions on a live run's calls as the report has them: which call, how many RTP packets a
 * host received from another, and whether a call's media took a path both ways. Shared by the
 * live lab tests; they know the report's call shape only, not how the run was made.
 */
import { expect } from 'vitest';
import type { RunCallResult } from '../../src/report/index.js';

/** The call `id` of a run; throws when the run has none. */
export function callOf(
  run: { readonly calls: readonly RunCallResult[] },
  id: string,
): RunCallResult {
  const c = run.calls.find((x) => x.call.id === id);
  if (!c) {
    throw new Error(`no call ${id}`);
  }
  return c;
}

/** RTP packets `receiver` got from `source` during the call (relay sessions included). */
export function packets(c: RunCallResult, receiver: string, source: string): number {
  return c.media.received
    .filter((s) => s.receiver === receiver && s.source === source)
    .reduce((n, s) => n + s.packets, 0);
}

/**
 * The call's media took `path` both ways: each hop received about one packet per 20 ms of
 * `ms` (the call's duration by default) from the one before it, in each direction, and nobody
 * off the path received any.
 */
export function expectMediaAlong(
  c: RunCallResult,
  path: readonly string[],
  ms = c.call.durationMs,
): void {
  expect(c.observed.media).toBe('both-ways');
  expect(c.observed.forward).toMatchObject({ hops: path, complete: true });
  expect(c.observed.backward).toMatchObject({ hops: [...path].reverse(), complete: true });
  const expected = (ms / 1000) * 50;
  for (let i = 0; i + 1 < path.length; i++) {
    const a = path[i] ?? '';
    const b = path[i + 1] ?? '';
    for (const [receiver, source] of [
      [b, a],
      [a, b],
    ] as const) {
      const n = packets(c, receiver, source);
      expect(n, `${c.call.id}: ${receiver} from ${source}`).toBeGreaterThan(expected * 0.6);
      expect(n, `${c.call.id}: ${receiver} from ${source}`).toBeLessThan(expected * 1.3);
    }
  }
  const off = c.media.received.filter((s) => s.packets > 0 && !path.includes(s.receiver));
  expect(off).toEqual([]);
}
