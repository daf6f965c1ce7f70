/**
 * Report fixtures: the streams each host of a media path received when the media followed the
 * path both ways without loss (200 packets a hop), as a run's `media.received` has them.
 */
import type { ReceivedStream } from '../../src/report/index.js';

/** The media of a call that followed `path` both ways, hop by hop. */
export function receivedAlong(path: readonly string[]): ReceivedStream[] {
  const received: ReceivedStream[] = [];
  for (const hops of [path, [...path].reverse()]) {
    for (let i = 0; i + 1 < hops.length; i++) {
      received.push({
        receiver: hops[i + 1] ?? '',
        source: hops[i] ?? '',
        sourceAddress: '127.77.0.1:4000',
        packets: 200,
        bytes: 200 * 172,
        lost: 0,
        jitterMs: 0.5,
        latencyP50Ms: 0.2,
        latencyP99Ms: 0.6,
      });
    }
  }
  return received;
}
