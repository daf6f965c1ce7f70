/**
 * Runs every benchmark in perf/ (`*.bench.js`) one after the other, each in its own Node
 * process, after `npm run build`. Extra arguments go to the relay benchmark. Exits non-zero
 * when a benchmark fails to run (figures are printed, never asserted).
 *
 *   node perf/run-all.js [relay benchmark options]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
/** Node flags and arguments of benchmarks that need them. */
const special = {
  'memory.bench.js': { node: ['--expose-gc'], args: [] },
  'relay.bench.js': { node: [], args: process.argv.slice(2) },
};
// The relay benchmark runs last: it is the longest and needs a quiet machine.
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js'))
  .sort((a, b) => (a === 'relay.bench.js') - (b === 'relay.bench.js') || a.localeCompare(b));
let failed = 0;
for (const file of files) {
  const { node, args } = special[file] ?? { node: [], args: [] };
  process.stdout.write(`\n== ${file}\n`);
  const r = spawnSync(process.execPath, [...node, `${dir}${file}`, ...args], {
    stdio: 'inherit',
    timeout: 30 * 60 * 1000,
  });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`${file} failed (status ${r.status}, signal ${r.signal})\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
