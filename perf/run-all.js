/**
 * Runs every benchmark in perf/ one after the other, each in its own Node process, after
 * `npm run build`. Extra arguments go to the relay benchmark. Exits non-zero when a
 * benchmark fails to run (figures are printed, never asserted).
 *
 *   node perf/run-all.js [relay benchmark options]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const benches = [
  { file: 'classifier.bench.js', node: [], args: [] },
  { file: 'memory.bench.js', node: ['--expose-gc'], args: [] },
  { file: 'relay.bench.js', node: [], args: process.argv.slice(2) },
];
let failed = 0;
for (const b of benches) {
  process.stdout.write(`\n== ${b.file}\n`);
  const r = spawnSync(process.execPath, [...b.node, here(b.file), ...b.args], {
    stdio: 'inherit',
    timeout: 30 * 60 * 1000,
  });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`${b.file} failed (status ${r.status}, signal ${r.signal})\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
