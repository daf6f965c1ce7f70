/**
 * The relay's packet paths, for tests that must pass on each: the native forwarding of
 * established streams in the addon, batched I/O through the addon with every datagram
 * through the JavaScript stages, and plain `node:dgram`. The two addon variants are skipped
 * when the addon is not built, except in CI (CI=true), where `npm ci` builds it and a missing
 * addon is a failure.
 */
import { describe } from 'vitest';
import { loadUdpBatch, udpBatchLoadError } from '../../../src/media/index.js';

export const batchBuilt = loadUdpBatch() !== null;

if (process.env.CI === 'true' && !batchBuilt) {
  throw new Error(
    `CI builds the batched UDP addon (npm ci runs native/udp-batch/install.js); it did not load: ${udpBatchLoadError() ?? '-'}`,
  );
}

/** One packet path: its name in test titles and the relay options that select it. */
export interface RelayPath {
  readonly name: 'native' | 'batch' | 'dgram';
  readonly io: 'batch' | 'dgram';
  readonly nativeForwarding: boolean;
  /** Spread into relay or engine options. */
  readonly options: { readonly io: 'batch' | 'dgram'; readonly nativeForwarding: boolean };
}

function path(name: RelayPath['name'], io: RelayPath['io'], nativeForwarding: boolean): RelayPath {
  return { name, io, nativeForwarding, options: { io, nativeForwarding } };
}

/** Every packet path: native forwarding, the batch path's JavaScript stages, dgram. */
export const RELAY_PATHS: readonly RelayPath[] = [
  path('native', 'batch', true),
  path('batch', 'batch', false),
  path('dgram', 'dgram', false),
];

/** A `describe` per packet path; the addon's are skipped when it is not built. */
export function describeEachIo(title: string, body: (path: RelayPath) => void): void {
  for (const p of RELAY_PATHS) {
    describe.skipIf(p.io === 'batch' && !batchBuilt)(`${title} (path: ${p.name})`, () => {
      body(p);
    });
  }
}
