/**
 * Ctrl-C for long commands: SIGINT, SIGTERM, or the abort signal an embedder passes in
 * {@link CliIO.signal}, as one AbortSignal that the command hands to what it runs.
 *
 * This file must not know what is interrupted nor how it cleans up.
 */
import type { CliIO } from './io.js';

/** An interruption source for one command; `dispose` removes the signal handlers. */
export interface Interruption {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Listens for an interruption until `dispose` is called. The first Ctrl-C aborts the signal
 * (the command cleans up and exits 130); a second one, once the handler is gone, ends the
 * process the default way.
 */
export function listenForInterrupt(io: CliIO): Interruption {
  const controller = new AbortController();
  const abort = (): void => {
    controller.abort();
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  io.signal?.addEventListener('abort', abort, { once: true });
  if (io.signal?.aborted === true) {
    abort();
  }
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', abort);
      process.removeListener('SIGTERM', abort);
      io.signal?.removeEventListener('abort', abort);
    },
  };
}
