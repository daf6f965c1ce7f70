/**
 * Memory per relayed call: allocates N relay sessions (two bound sockets each, peers set)
 * in one thread and measures the growth of the JS heap, external memory and RSS after
 * garbage collection (target: <= 8 KiB per call). Kernel socket buffers are not part of
 * RSS and are not counted. Each packet path (native forwarding, the batch path's stages,
 * node:dgram) is measured in a process of its own. Run after `npm run build`:
 *
 *   node --expose-gc perf/memory.bench.js [--calls 2000] [--path all|native|batch|dgram]
 *                                         [--json]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRelay, loadUdpBatch } from '../dist/media/index.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    path: { type: 'string', default: 'all' },
    json: { type: 'boolean', default: false },
  },
});
const calls = Number(values.calls);

if (values.path === 'all') {
  // One child process per path, so that none inherits another's heap or pages.
  const paths = loadUdpBatch() === null ? ['dgram'] : ['native', 'batch', 'dgram'];
  if (paths.length === 1) {
    console.log(
      'the batched UDP addon is not built (npm run build:native): native and batch skipped',
    );
  }
  let failed = false;
  for (const path of paths) {
    const r = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        fileURLToPath(import.meta.url),
        '--calls',
        values.calls,
        '--path',
        path,
        ...(values.json ? ['--json'] : []),
      ],
      { stdio: 'inherit', timeout: 5 * 60 * 1000 },
    );
    failed ||= r.status !== 0;
  }
  process.exit(failed ? 1 : 0);
}

const gc = globalThis.gc;
if (typeof gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

function snapshot() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
}

const relay = await createRelay({
  workers: 0,
  maxSessions: calls + 10,
  inactivityTimeoutMs: 0,
  io: values.path === 'dgram' ? 'dgram' : 'batch',
  nativeForwarding: values.path === 'native',
});
try {
  // Warm up: one session allocated and closed, so that code and pools exist already.
  const warm = await relay.allocate({
    legA: { bindAddress: '127.0.0.1' },
    legB: { bindAddress: '127.0.0.1' },
  });
  await relay.close(warm.id);
  const before = snapshot();
  const ids = [];
  for (let i = 0; i < calls; i++) {
    const s = await relay.allocate({
      legA: { bindAddress: '127.0.0.1' },
      legB: { bindAddress: '127.0.0.2' },
    });
    await relay.setPeer(s.id, 'A', { address: '127.0.0.1', port: 40000 + (i % 20000) });
    await relay.setPeer(s.id, 'B', { address: '127.0.0.2', port: 40000 + (i % 20000) });
    ids.push(s.id);
  }
  const after = snapshot();
  const per = (k) => (after[k] - before[k]) / calls;
  const out = {
    benchmark: 'memory per relayed call',
    path: values.path,
    calls,
    heapBytesPerCall: per('heap'),
    externalBytesPerCall: per('external'),
    jsBytesPerCall: per('heap') + per('external'),
    rssBytesPerCall: per('rss'),
    targetBytes: 8192,
  };
  if (values.json) {
    console.log(JSON.stringify(out));
  } else {
    console.log(
      `memory per relayed call, path ${values.path} (${calls} calls): JS heap ${(out.heapBytesPerCall / 1024).toFixed(2)} KiB + external ${(out.externalBytesPerCall / 1024).toFixed(2)} KiB, ` +
        `RSS ${(out.rssBytesPerCall / 1024).toFixed(2)} KiB (target <= 8 KiB)`,
    );
  }
} finally {
  await relay.shutdown();
}
