/**
 * Where a relay's CPU went, from a `perf record -e cpu-clock -g` file (as written by
 * `perf/relay-profile.js --perf FILE`): each sample is put under the system call it was in
 * (the outermost `__x64_sys_*` frame of its stack: sendmmsg, recvmmsg, epoll_wait, ...) or,
 * outside the kernel, under the program or library it was in (the addon, Node and V8,
 * JavaScript's JIT code, libc). Prints shares of the samples and of one core. Needs `perf`.
 *
 *   node perf/perf-breakdown.js FILE [FILE...]
 */
import { spawnSync } from 'node:child_process';

for (const file of process.argv.slice(2)) {
  const r = spawnSync('perf', ['script', '-i', file, '-F', 'time,ip,sym,dso'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) {
    console.error(`perf script -i ${file} failed: ${r.stderr}`);
    process.exitCode = 1;
    continue;
  }
  const buckets = new Map();
  let samples = 0;
  let first = Infinity;
  let last = 0;
  for (const block of r.stdout.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) {
      continue;
    }
    const t = Number(/(\d+\.\d+):/.exec(lines[0])?.[1] ?? NaN);
    if (!Number.isNaN(t)) {
      first = Math.min(first, t);
      last = Math.max(last, t);
    }
    // Frames run from the leaf to the root; the outermost system call frame names the call.
    const frames = lines.slice(1);
    let bucket = null;
    for (const frame of frames) {
      const m = /__x64_sys_(\w+)/.exec(frame);
      if (m !== null) {
        bucket = m[1];
      }
    }
    if (bucket === null) {
      const dso = /\(([^)]*)\)\s*$/.exec(frames[0] ?? '')?.[1] ?? '?';
      bucket = dso.includes('kernel')
        ? 'kernel, outside system calls'
        : /perf-\d+\.map|JIT/.test(dso)
          ? 'user: JavaScript (JIT)'
          : `user: ${dso.split('/').pop()}`;
    }
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
    samples++;
  }
  const seconds = last - first;
  console.log(`${file}: ${samples} samples over ${seconds.toFixed(2)} s`);
  // cpu-clock samples at perf's default 4,000 per second of CPU time.
  const perCore = (n) => (seconds > 0 ? (n / 4000 / seconds) * 100 : 0);
  for (const [name, n] of [...buckets].sort((a, b) => b[1] - a[1])) {
    console.log(
      `  ${name.padEnd(36)} ${String(n).padStart(7)}  ${((n / samples) * 100).toFixed(1).padStart(5)} % of samples  ${perCore(n).toFixed(2).padStart(6)} % of a core`,
    );
  }
}
