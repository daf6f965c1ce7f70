/**
 * The relay's two I/O paths, for tests that must pass on both: batched I/O through the
 * native addon and plain `node:dgram`. The batch variant is skipped when the addon is not
 * built, except in CI (CI=true), where `npm ci` builds it and a missing addon is a failure.
 */
import { describe } from 'vitest';
import { loadUdpBatch, udpBatchLoadError } from '../../../src/media/index.js';

export const batchBuilt = loadUdpBatch() !== null;

if (process.env.CI === 'true' && !batchBuilt) {
  throw new Error(
    `CI builds the batched UDP addon (npm ci runs native/udp-batch/install.js); it did not load: ${udpBatchLoadError() ?? '-'}`,
  );
}

/** Both I/O paths, batch first. */
export const IO_PATHS = ['batch', 'dgram'] as const;

/** A `describe` per I/O path; the batch one is skipped when the addon is not built. */
export function describeEachIo(title: string, body: (io: 'batch' | 'dgram') => void): void {
  for (const io of IO_PATHS) {
    describe.skipIf(io === 'batch' && !batchBuilt)(`${title} (io: ${io})`, () => {
      body(io);
    });
  }
}
