/**
 * Busy-hour simulation speed: one simulated hour of about 100,000 calls on the Litware
 * reference topology (target: under 2 s), every call decided by the policy engine with its
 * ledger, invariant checks and refusal chain, as `mediapath plan` runs it. The offered load is
 * eleven streams between Litware's sites and the PSTN, 100,000 calls an hour, three minutes
 * each on average, far more than the branch links carry, so the refusal chain runs often.
 * Measured without a warm-up (the hour alone) and with the default warm-up (five mean holding
 * times before the hour). Prints figures; asserts nothing.
 *
 *   npm run build && node perf/plan.bench.js [--rounds 3]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BusyHourSimulation } from '../dist/planning/index.js';
import { loadScenarioFile } from '../dist/scenario/index.js';
import { Topology } from '../dist/topology/index.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const file = fileURLToPath(new URL('../scenarios/litware.yaml', import.meta.url));
const loaded = await loadScenarioFile(file);
if (!loaded.ok) {
  throw new Error('litware.yaml is invalid');
}

/** A stream of the busy hour, three minutes per call on average. */
const stream = (from, to, callsPerHour, trunks = []) => ({
  from,
  to,
  callsPerHour,
  holdingMs: 180_000,
  erlangs: callsPerHour * 0.05,
  video: from !== 'pstn' && to !== 'pstn' ? 0.02 : 0,
  pstnShare: 0,
  codecs: [],
  trunks,
});
const traffic = {
  seed: 1,
  streams: [
    stream('Portland', 'Chicago', 15_000),
    stream('Chicago', 'Portland', 10_000),
    stream('Reno', 'Albuquerque', 8_000),
    stream('London', 'Chicago', 10_000),
    stream('Beijing', 'NewYork', 5_000),
    stream('Portland', 'pstn', 12_000),
    stream('NewYork', 'pstn', 10_000, ['gw-chi']),
    stream('pstn', 'Portland', 10_000, ['gw-chi']),
    stream('Detroit', 'pstn', 10_000, ['gw-chi']),
    stream('NewYork', 'London', 5_000),
    stream('Albuquerque', 'Reno', 5_000),
  ],
};
const topo = new Topology({ ...loaded.scenario, traffic });

/** One simulated hour; its wall time (ms) and what it counted. */
function once(warmupMs) {
  const t0 = performance.now();
  const r = new BusyHourSimulation(topo, {
    hours: 1,
    ...(warmupMs === undefined ? {} : { warmupMs }),
  }).run();
  return { ms: performance.now() - t0, r };
}

once(0); // Warm up the JIT.
for (const [label, warmupMs] of [
  ['the hour alone', 0],
  ['with the default warm-up', undefined],
]) {
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    runs.push(once(warmupMs));
  }
  runs.sort((a, b) => a.ms - b.ms);
  const median = runs[Math.floor(runs.length / 2)];
  const { r } = median;
  const total = r.calls.measured + r.calls.warmup;
  const decisions = Object.entries(r.calls.byDecision)
    .sort((a, b) => b[1] - a[1])
    .map(([d, n]) => `${d} ${n}`)
    .join(', ');
  process.stdout.write(
    `plan (${label}): ${r.calls.measured.toLocaleString('en-US')} calls in the hour` +
      `${r.calls.warmup ? ` + ${r.calls.warmup.toLocaleString('en-US')} in the warm-up` : ''}` +
      ` on Litware, median ${(median.ms / 1000).toFixed(2)} s of ${rounds} rounds` +
      ` (min ${(runs[0].ms / 1000).toFixed(2)} s, max ${(runs[runs.length - 1].ms / 1000).toFixed(2)} s),` +
      ` ${Math.round((total / median.ms) * 1000).toLocaleString('en-US')} calls/s; ${decisions};` +
      ` ${r.links.length} link tallies; ledger invariants checked for the ${r.ledger.reserved.toLocaleString('en-US')} calls that reserved bandwidth\n`,
  );
}
