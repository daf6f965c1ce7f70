/**
 * Relay throughput, CPU and added latency, side by side with rtpengine and with a floor (a
 * C relay of a few dozen lines: recvmmsg/sendmmsg, no checks, perf/c-relay/c_relay.c),
 * driven by the same generator with the same pinning (relay on CPU 0, generator on CPU 1).
 * Traffic has the shape of a Mediation Server: G.711 calls, 50 packets/s per direction, two
 * relay sockets per call. Prints a table; asserts nothing. Run after `npm run build`:
 *
 *   node perf/relay.bench.js [--seconds 5] [--fixed-calls 200,600] [--repeat 1]
 *                            [--start 300] [--max 1000] [--no-ramp]
 *                            [--paths native,batch,dgram] [--io both|batch|dgram]
 *                            [--no-rtpengine] [--no-c] [--workers 0]
 *                            [--connect] [--naive] [--json FILE]
 *
 * The figures of record: `node perf/relay.bench.js --no-ramp --repeat 3` (after `npm run
 * build` and `npm run build:native`, on a quiet machine).
 *
 * --paths picks the relay's packet paths to measure: `native` (batched I/O through the addon,
 * established streams forwarded by its forwarding thread), `batch` (batched I/O, every
 * datagram through the JavaScript stages) and `dgram` (node:dgram); all three by default,
 * the addon's left out with a note when it is not built. --io is the older spelling: `batch`
 * is native and batch, `dgram` is dgram, `both` all three. --naive adds a minimal Node relay
 * (no checks at all) to show the cost of Node's UDP path. Each mediapath column gets its
 * ratio to the C floor and to rtpengine.
 *
 * Phases, per relay under test:
 * 1. fixed loads: 200 and 600 calls = 20,000 and 60,000 packets/s offered; relay CPU and
 *    latency. Added latency is the relay's p99 minus the generator's own p99 at that load
 *    (generator sending to itself). With --repeat N the relays take turns N times (round by
 *    round, so that a busy moment of the machine does not fall on one relay only) and the
 *    table shows each figure's median.
 * 2. ramp (unless --no-ramp): the largest number of calls held (loss < 0.1 %, p99 < 20 ms,
 *    every call carried), doubling from --start, then bisecting to 25 calls (2,500 packets/s).
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { waitQuiet } from './quiet.js';
import {
  createRelay,
  loadUdpBatch,
  directAllocator,
  findMaxHeld,
  pinCurrentProcess,
  relayAllocator,
  runLoadLevel,
  spawnLoadGenerator,
} from '../dist/media/index.js';
import { startCRelay } from './c-relay.js';
import { naiveAllocator } from './naive-relay.js';
import { rtpengineAllocator, rtpengineAvailable, startRtpengine } from './rtpengine.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'fixed-calls': { type: 'string', default: '200,600' },
    repeat: { type: 'string', default: '1' },
    'no-c': { type: 'boolean', default: false },
    start: { type: 'string', default: '300' },
    max: { type: 'string', default: '1000' },
    'no-rtpengine': { type: 'boolean', default: false },
    'no-ramp': { type: 'boolean', default: false },
    workers: { type: 'string', default: '0' },
    paths: { type: 'string' },
    io: { type: 'string', default: 'both' },
    connect: { type: 'boolean', default: false },
    naive: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const durationMs = Number(values.seconds) * 1000;
const fixedLevels = values['fixed-calls'].split(',').map(Number);
const repeat = Math.max(1, Number(values.repeat));
const log = (s) => process.stderr.write(`${s}\n`);

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

  results.baseline = {};
  for (const calls of fixedLevels) {
    log(`generator baseline: ${calls} calls sent straight to itself`);
    results.baseline[calls] = await runLoadLevel({
      generator,
      addresses,
      allocator: directAllocator(),
      calls,
      durationMs,
    });
  }

  let paths =
    values.paths !== undefined
      ? values.paths.split(',')
      : values.io === 'both'
        ? ['native', 'batch', 'dgram']
        : values.io === 'batch'
          ? ['native', 'batch']
          : [values.io];
  if (loadUdpBatch() === null && paths.some((p) => p !== 'dgram')) {
    log('the batched UDP addon is not built (npm run build:native): native and batch skipped');
    paths = paths.filter((p) => p === 'dgram');
  }
  const maxCalls = Math.max(Number(values.max), ...fixedLevels) + 10;
  const subjects = paths.map((path) => ({
    name: `mediapath ${path}${values.workers === '0' ? '' : ` (${values.workers} workers)`}`,
    start: async () => {
      const relay = await createRelay({
        workers: Number(values.workers),
        inactivityTimeoutMs: 0,
        maxSessions: maxCalls,
        connectSockets: values.connect,
        io: path === 'dgram' ? 'dgram' : 'batch',
        nativeForwarding: path === 'native',
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
  if (!values['no-c']) {
    subjects.push({ name: 'C floor', start: () => startCRelay(pinned ? { cpu: 0 } : {}) });
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

  const fixedRuns = new Map(subjects.map((x) => [x.name, []]));
  const ramps = new Map();
  for (let round = 1; round <= repeat; round++) {
    for (const subject of subjects) {
      const quiet = await waitQuiet();
      log(
        `${subject.name}${repeat > 1 ? ` (round ${round} of ${repeat})` : ''}: fixed loads ${fixedLevels.join(', ')} calls (machine busy before: ${quiet === null ? '-' : quiet.toFixed(2)} cores)`,
      );
      const s = await subject.start();
      cleanup = s.stop;
      const levels = {};
      for (const calls of fixedLevels) {
        // A level is repeated (at most 3 times) while other processes took CPU.
        let fixed = await runLoadLevel({
          generator,
          addresses,
          allocator: s.allocator,
          calls,
          durationMs,
        });
        for (let i = 0; i < 2 && (fixed.otherCpu ?? 0) > 0.2; i++) {
          log(
            `  other processes took ${(fixed.otherCpu * 100).toFixed(0)} % of a core: ${calls} calls again`,
          );
          await waitQuiet(30_000);
          fixed = await runLoadLevel({
            generator,
            addresses,
            allocator: s.allocator,
            calls,
            durationMs,
          });
        }
        log(
          `  ${calls} calls: CPU ${(fixed.relayCpu * 100).toFixed(1)} %, p50 ${fixed.latencyMs.p50.toFixed(3)} ms, p99 ${fixed.latencyMs.p99.toFixed(3)} ms, loss ${(fixed.lossRatio * 100).toFixed(3)} %`,
        );
        levels[calls] = fixed;
      }
      fixedRuns.get(subject.name).push(levels);
      if (!values['no-ramp'] && round === 1) {
        ramps.set(
          subject.name,
          await findMaxHeld({
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
          }),
        );
      }
      await s.stop();
      cleanup = null;
    }
  }
  for (const subject of subjects) {
    results.relays.push({
      name: subject.name,
      fixed: fixedRuns.get(subject.name),
      ramp: ramps.get(subject.name) ?? null,
    });
  }
} finally {
  await cleanup?.();
  await generator.close();
}

const median = (xs) => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length === 0
    ? NaN
    : v.length % 2
      ? v[(v.length - 1) / 2]
      : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
/** The median over the rounds of one figure of one fixed level. */
const fig = (r, calls, f) => median(r.fixed.map((levels) => f(levels[calls])));

// Ratios: each mediapath column against the C floor and against rtpengine, where they ran.
const names = results.relays.map((r) => r.name);
const references = ['C floor', 'rtpengine'].filter((n) => names.includes(n));
const measured = names.filter((n) => !references.includes(n));
const rows = [
  [
    '',
    ...names,
    ...references.flatMap((ref) => measured.map((m) => `${m.replace('mediapath ', '')} / ${ref}`)),
  ],
];
const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) : '-');
const add = (label, f, fmt) => {
  const vals = new Map(results.relays.map((r) => [r.name, f(r)]));
  rows.push([
    label,
    ...names.map((n) => fmt(vals.get(n))),
    ...references.flatMap((ref) => measured.map((m) => ratio(vals.get(m), vals.get(ref)))),
  ]);
};
if (!values['no-ramp']) {
  add(
    'max held (packets/s)',
    (r) => r.ramp?.maxHeldPps ?? NaN,
    (v) => v.toLocaleString('en-US'),
  );
}
for (const calls of fixedLevels) {
  const pps = (calls * 100).toLocaleString('en-US');
  const base = results.baseline[calls].latencyMs;
  add(
    `CPU at ${pps} packets/s (% of a core)`,
    (r) => fig(r, calls, (x) => x.relayCpu * 100),
    (v) => v.toFixed(1),
  );
  add(
    `p50 latency at ${pps} (ms)`,
    (r) => fig(r, calls, (x) => x.latencyMs.p50),
    (v) => v.toFixed(3),
  );
  add(
    `p99 latency at ${pps} (ms)`,
    (r) => fig(r, calls, (x) => x.latencyMs.p99),
    (v) => v.toFixed(3),
  );
  add(
    `added p99 at ${pps} (ms)`,
    (r) => fig(r, calls, (x) => Math.max(0, x.latencyMs.p99 - base.p99)),
    (v) => v.toFixed(3),
  );
  add(
    `loss at ${pps} (%)`,
    (r) => fig(r, calls, (x) => x.lossRatio * 100),
    (v) => v.toFixed(3),
  );
  add(
    `RSS at ${pps} (MiB)`,
    (r) => fig(r, calls, (x) => x.relayRssBytes / 1048576),
    (v) => v.toFixed(1),
  );
}

const width = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
console.log(
  `relay benchmark ${results.date}, ${results.cpus} CPUs (${results.cpuModel}), ` +
    `${pinned ? 'relay on CPU 0, generator on CPU 1' : 'not pinned'}, ${durationMs / 1000} s per level` +
    `${repeat > 1 ? `, medians of ${repeat} interleaved rounds` : ''}`,
);
for (const calls of fixedLevels) {
  const b = results.baseline[calls].latencyMs;
  console.log(
    `generator baseline (no relay) at ${(calls * 100).toLocaleString('en-US')} packets/s: p50 ${b.p50.toFixed(3)} ms, p99 ${b.p99.toFixed(3)} ms`,
  );
}
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
