/**
 * Entry point of a relay worker thread: one {@link RelayEngine} over the worker's own port
 * range, driven by control messages from the main thread. Packets are received, checked and
 * forwarded inside this thread; only control requests, replies and events cross threads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RelayEngine } from './relay-engine.js';
import type { RelayWorkerData, WorkerMessage, WorkerRequest } from './relay.js';

const port = parentPort;
if (port === null) {
  throw new Error('relay-worker must run in a worker thread');
}
const data = workerData as RelayWorkerData;
const engine = new RelayEngine(data.engine);

engine.on('session-closed', (payload) => {
  port.postMessage({ kind: 'event', name: 'session-closed', payload } satisfies WorkerMessage);
});
engine.on('peer-latched', (payload) => {
  port.postMessage({ kind: 'event', name: 'peer-latched', payload } satisfies WorkerMessage);
});
engine.on('media-timeout', (payload) => {
  port.postMessage({ kind: 'event', name: 'media-timeout', payload } satisfies WorkerMessage);
});

function reply(seq: number, value: unknown): void {
  port!.postMessage({ kind: 'reply', seq, ok: true, value } satisfies WorkerMessage);
}

function fail(seq: number, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  port!.postMessage({
    kind: 'reply',
    seq,
    ok: false,
    error: {
      name: err.name,
      message: err.message,
      ...(typeof code === 'string' ? { code } : {}),
    },
  } satisfies WorkerMessage);
}

async function handle(req: WorkerRequest): Promise<void> {
  try {
    switch (req.op) {
      case 'allocate':
        reply(req.seq, await engine.allocate(req.request));
        return;
      case 'setPeer':
        engine.setPeer(req.id, req.leg, req.peer);
        reply(req.seq, null);
        return;
      case 'close':
        reply(req.seq, engine.close(req.id));
        return;
      case 'stats':
        reply(req.seq, engine.stats(req.id));
        return;
      case 'counters':
        reply(req.seq, engine.counters());
        return;
      case 'shutdown':
        engine.shutdown();
        reply(req.seq, null);
        port!.close();
        return;
    }
  } catch (e) {
    fail(req.seq, e);
  }
}

port.on('message', (req: WorkerRequest) => {
  void handle(req);
});
port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
