/**
 * Relay throughput, CPU and added latency, side by side with rtpengine, driven by the same
 * generator with the same pinning (relay on CPU 0, generator on CPU 1). Traffic has the
 * shape of a Mediation Server: G.711 calls, 50 packets/s per direction, two relay sockets
 * per call. Prints a table; asserts nothing. Run after `npm run build`:
 *
 *   node perf/relay.bench.js [--seconds 5] [--fixed-calls 200] [--start 300] [--max 1000]
 *                            [--io both|batch|dgram] [--no-rtpengine] [--workers 0]
 *                            [--connect] [--naive] [--json FILE]
 *
 * --io picks the relay's I/O paths to measure: batched through the native addon, plain
 * node:dgram, or both (the default; batch is left out with a note when the addon is not
 * built). --naive adds a minimal Node relay (no checks at all) to show the cost of Node's
 * UDP path. With rtpengine in the run, each other column gets its ratio to rtpengine.
 *
 * Phases, per relay under test:
 * 1. fixed load: 200 calls = 20,000 packets/s offered; relay CPU and latency. Added latency
 *    is the relay's p99 minus the generator's own p99 (generator sending to itself).
 * 2. ramp: the largest number of calls held (loss < 0.1 %, p99 < 20 ms, every call carried),
 *    doubling from --start, then bisecting to 25 calls (2,500 packets/s).
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  createRelay,
  loadUdpBatch,
  machineBusySeconds,
  directAllocator,
  findMaxHeld,
  pinCurrentProcess,
  relayAllocator,
  runLoadLevel,
  spawnLoadGenerator,
} from '../dist/media/index.js';
import { naiveAllocator } from './naive-relay.js';
import { rtpengineAllocator, rtpengineAvailable, startRtpengine } from './rtpengine.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'fixed-calls': { type: 'string', default: '200' },
    start: { type: 'string', default: '300' },
    max: { type: 'string', default: '1000' },
    'no-rtpengine': { type: 'boolean', default: false },
    'no-ramp': { type: 'boolean', default: false },
    workers: { type: 'string', default: '0' },
    io: { type: 'string', default: 'both' },
    connect: { type: 'boolean', default: false },
    naive: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const durationMs = Number(values.seconds) * 1000;
const fixedCalls = Number(values['fixed-calls']);
const log = (s) => process.stderr.write(`${s}\n`);

/**
 * Waits (at most `maxMs`) until the machine is quiet: less than 0.25 of a core busy over a
 * one-second sample while this benchmark itself is idle. Returns the last sample.
 */
async function waitQuiet(maxMs = 60_000) {
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

const pinned = availableParallelism() >= 2 && (await pinCurrentProcess(0));
const generator = await spawnLoadGenerator(pinned ? { cpu: 1 } : {});
const results = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  pinned,
  relays: [],
};
let cleanup = null;
try {
  const addresses = await generator.prepare({ socketsPerSide: 32 });

  log(`generator baseline: ${fixedCalls} calls sent straight to itself`);
  const base = await runLoadLevel({
    generator,
    addresses,
    allocator: directAllocator(),
    calls: fixedCalls,
    durationMs,
  });
  results.baseline = base;

  const ioPaths = values.io === 'both' ? ['batch', 'dgram'] : [values.io];
  if (ioPaths.includes('batch') && loadUdpBatch() === null) {
    log('the batched UDP addon is not built (npm run build:native): batch I/O skipped');
    ioPaths.splice(ioPaths.indexOf('batch'), 1);
  }
  const subjects = ioPaths.map((io) => ({
    name: `mediapath ${io}${values.workers === '0' ? '' : ` (${values.workers} workers)`}`,
    start: async () => {
      const relay = await createRelay({
        workers: Number(values.workers),
        inactivityTimeoutMs: 0,
        maxSessions: Number(values.max) + 10,
        connectSockets: values.connect,
        io,
      });
      return { allocator: relayAllocator(relay), stop: () => relay.shutdown() };
    },
  }));
  if (values.naive) {
    subjects.push({
      name: 'naive Node',
      start: () => {
        const allocator = naiveAllocator();
        return Promise.resolve({ allocator, stop: () => Promise.resolve() });
      },
    });
  }
  if (!values['no-rtpengine']) {
    if (rtpengineAvailable()) {
      subjects.push({
        name: 'rtpengine',
        start: async () => {
          const engine = await startRtpengine(pinned ? { cpu: 0, threads: 1 } : { threads: 1 });
          return { allocator: rtpengineAllocator(engine), stop: () => engine.stop() };
        },
      });
    } else {
      log('rtpengine is not installed: comparison skipped');
    }
  }

  for (const subject of subjects) {
    const quiet = await waitQuiet();
    log(
      `${subject.name}: fixed load ${fixedCalls} calls (machine busy before: ${quiet === null ? '-' : quiet.toFixed(2)} cores)`,
    );
    const s = await subject.start();
    cleanup = s.stop;
    // The fixed level is repeated (at most 3 times) while other processes took CPU.
    let fixed = await runLoadLevel({
      generator,
      addresses,
      allocator: s.allocator,
      calls: fixedCalls,
      durationMs,
    });
    for (let i = 0; i < 2 && (fixed.otherCpu ?? 0) > 0.2; i++) {
      await waitQuiet(30_000);
      fixed = await runLoadLevel({
        generator,
        addresses,
        allocator: s.allocator,
        calls: fixedCalls,
        durationMs,
      });
    }
    let ramp = null;
    if (!values['no-ramp']) {
      ramp = await findMaxHeld({
        generator,
        addresses,
        allocator: s.allocator,
        durationMs,
        startCalls: Number(values.start),
        maxCalls: Number(values.max),
        resolutionCalls: 25,
        maxLevels: 14,
        contendedRetries: 3,
        beforeLevel: () => waitQuiet(30_000),
        onLevel: (r) =>
          log(
            `  ${subject.name} ${r.calls} calls: ${Math.round(r.deliveredPps)} packets/s, loss ${(r.lossRatio * 100).toFixed(3)} %, ` +
              `p99 ${r.latencyMs.p99.toFixed(2)} ms, CPU ${(r.relayCpu * 100).toFixed(0)} %, ` +
              `generator ${(r.generator.cpu * 100).toFixed(0)} %, others ${r.otherCpu === null ? '-' : (r.otherCpu * 100).toFixed(0)} % -> ${r.held ? 'held' : 'not held'}`,
          ),
      });
    }
    await s.stop();
    cleanup = null;
    results.relays.push({ name: subject.name, fixed, ramp });
  }
} finally {
  await cleanup?.();
  await generator.close();
}

// Ratios: every other column against rtpengine when it ran, else the first against the last.
const names = results.relays.map((r) => r.name);
const reference = names.indexOf('rtpengine');
const ratioPairs =
  reference >= 0
    ? names.map((_, i) => i).filter((i) => i !== reference)
    : names.length >= 2
      ? [0]
      : [];
const against = reference >= 0 ? reference : names.length - 1;
const rows = [['', ...names, ...ratioPairs.map((i) => `${names[i]} / ${names[against]}`)]];
const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) : '-');
const add = (label, f, fmt) => {
  const vals = results.relays.map(f);
  rows.push([label, ...vals.map(fmt), ...ratioPairs.map((i) => ratio(vals[i], vals[against]))]);
};
if (!values['no-ramp']) {
  add(
    'max held (packets/s)',
    (r) => r.ramp.maxHeldPps,
    (v) => v.toLocaleString('en-US'),
  );
  add('max held (calls)', (r) => r.ramp.maxHeldCalls, String);
}
add(
  `CPU at ${(fixedCalls * 100).toLocaleString('en-US')} packets/s (% of a core)`,
  (r) => r.fixed.relayCpu * 100,
  (v) => v.toFixed(1),
);
add(
  'p99 latency at fixed load (ms)',
  (r) => r.fixed.latencyMs.p99,
  (v) => v.toFixed(2),
);
add(
  'added p99 latency (ms)',
  (r) => Math.max(0, r.fixed.latencyMs.p99 - results.baseline.latencyMs.p99),
  (v) => v.toFixed(2),
);
add(
  'p50 latency at fixed load (ms)',
  (r) => r.fixed.latencyMs.p50,
  (v) => v.toFixed(3),
);
add(
  'loss at fixed load (%)',
  (r) => r.fixed.lossRatio * 100,
  (v) => v.toFixed(3),
);
add(
  'other CPU during fixed load (% of a core)',
  (r) => (r.fixed.otherCpu ?? 0) * 100,
  (v) => v.toFixed(0),
);
add(
  'RSS at fixed load (MiB)',
  (r) => r.fixed.relayRssBytes / 1048576,
  (v) => v.toFixed(1),
);

const width = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
console.log(
  `relay benchmark ${results.date}, ${results.cpus} CPUs (${results.cpuModel}), ` +
    `${pinned ? 'relay on CPU 0, generator on CPU 1' : 'not pinned'}, ${durationMs / 1000} s per level`,
);
console.log(
  `generator baseline (no relay) at ${(fixedCalls * 100).toLocaleString('en-US')} packets/s: p50 ${results.baseline.latencyMs.p50.toFixed(3)} ms, p99 ${results.baseline.latencyMs.p99.toFixed(2)} ms`,
);
for (const r of rows) {
  console.log(
    r
      .map((c, i) => (i === 0 ? String(c).padEnd(width[i]) : String(c).padStart(width[i])))
      .join('  '),
  );
}
if (values.json) {
  writeFileSync(values.json, JSON.stringify(results, null, 2));
}
