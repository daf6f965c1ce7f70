/**
 * One relay under one fixed load, for profiling: the same generator, pinning and traffic as
 * perf/relay.bench.js (relay on CPU 0, generator on CPU 1, G.711 at 50 packets/s per stream),
 * one subject, one level, and the tools that tell where its time goes attached to the relay's
 * process while the level runs. Prints what it measured; asserts nothing. Run after
 * `npm run build`:
 *
 *   node [--trace-gc] [--perf-basic-prof] perf/relay-profile.js
 *        [--subject batch|dgram|c|rtpengine] [--fast on|off] [--calls 200] [--seconds 10]
 *        [--perf FILE] [--syscalls] [--strace]
 *
 * --perf FILE   `perf record -e cpu-clock -g` of the relay's process into FILE, over the
 *               level after its first second (read it with `perf report -i FILE`; with
 *               --perf-basic-prof on this Node process, JavaScript frames have names).
 * --syscalls    `perf stat` of the relay's process over the same span: its system calls by kind
 *               (kernel tracepoints, cheap enough not to change what they count), context
 *               switches (a thread that sleeps in epoll_wait switches once per wake-up) and CPU.
 * --strace      `strace -c -f` of the relay's process over the same span: system calls by
 *               count and time. strace slows every call down so much that the relay falls
 *               behind and reads more per wake-up: its counts are not those of a normal run.
 * --fast        with the batch subject: the native forwarding of established streams on
 *               (the default) or off (every datagram goes up to JavaScript's stages).
 *
 * For the mediapath subjects it also prints the garbage collections during the level (count,
 * total and longest pause) and the addon's own counters: wake-ups of the event loop and of
 * the forwarding thread, datagrams per wake-up, calls into JavaScript, datagrams forwarded
 * natively.
 */
import { spawn } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import {
  createRelay,
  pinCurrentProcess,
  relayAllocator,
  runLoadLevel,
  spawnLoadGenerator,
} from '../dist/media/index.js';
import { startCRelay } from './c-relay.js';
import { rtpengineAllocator, startRtpengine } from './rtpengine.js';

const { values } = parseArgs({
  options: {
    subject: { type: 'string', default: 'batch' },
    fast: { type: 'string', default: 'on' },
    calls: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    perf: { type: 'string' },
    syscalls: { type: 'boolean', default: false },
    strace: { type: 'boolean', default: false },
  },
});
const calls = Number(values.calls);
const durationMs = Number(values.seconds) * 1000;

/** What --syscalls counts: the I/O system calls a relay may make, all calls, switches, CPU. */
const SYSCALL_EVENTS = [
  'syscalls:sys_enter_epoll_wait',
  'syscalls:sys_enter_epoll_pwait',
  'syscalls:sys_enter_recvmmsg',
  'syscalls:sys_enter_recvmsg',
  'syscalls:sys_enter_sendmmsg',
  'syscalls:sys_enter_sendmsg',
  'syscalls:sys_enter_sendto',
  'raw_syscalls:sys_enter',
  'context-switches',
  'task-clock',
];

/** Starts the subject; returns its allocator, its process id, a stop and its I/O counters. */
async function startSubject(name, pinned) {
  if (name === 'batch' || name === 'dgram') {
    const relay = await createRelay({
      workers: 0,
      inactivityTimeoutMs: 0,
      maxSessions: calls + 10,
      io: name,
      ...(name === 'batch' ? { nativeForwarding: values.fast !== 'off' } : {}),
    });
    return {
      allocator: relayAllocator(relay),
      pid: process.pid,
      stop: () => relay.shutdown(),
      ioCounters: async () => (await relay.counters()).io ?? null,
    };
  }
  if (name === 'c') {
    const c = await startCRelay(pinned ? { cpu: 0 } : {});
    return { ...c, ioCounters: () => Promise.resolve(null) };
  }
  if (name === 'rtpengine') {
    const engine = await startRtpengine(pinned ? { cpu: 0, threads: 1 } : { threads: 1 });
    return {
      allocator: rtpengineAllocator(engine),
      pid: engine.pid,
      stop: () => engine.stop(),
      ioCounters: () => Promise.resolve(null),
    };
  }
  throw new Error(`unknown subject ${name}`);
}

/** Runs a tool for `ms` against `pid`; resolves with what it printed on stderr. */
function attach(command, args, ms) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGINT'), ms);
  return new Promise((resolve) => {
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(err);
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve(String(e));
    });
  });
}

const pinned = availableParallelism() >= 2 && (await pinCurrentProcess(0));
const generator = await spawnLoadGenerator(pinned ? { cpu: 1 } : {});
const gcPauses = [];
let recordGc = false;
const observer = new PerformanceObserver((list) => {
  if (recordGc) {
    for (const e of list.getEntries()) {
      gcPauses.push(e.duration);
    }
  }
});
observer.observe({ entryTypes: ['gc'] });
try {
  const addresses = await generator.prepare({ socketsPerSide: 32 });
  const subject = await startSubject(values.subject, pinned);
  try {
    const spanMs = Math.max(1000, durationMs - 1500);
    const tools = [];
    const before = await subject.ioCounters();
    const level = runLoadLevel({
      generator,
      addresses,
      allocator: subject.allocator,
      calls,
      durationMs,
    });
    // The tools start after the calls are set up and the first second of traffic.
    const started = setTimeout(
      () => {
        recordGc = true;
        if (values.perf !== undefined) {
          tools.push(
            attach(
              'perf',
              ['record', '-e', 'cpu-clock', '-g', '-p', String(subject.pid), '-o', values.perf],
              spanMs,
            ),
          );
        }
        if (values.syscalls) {
          tools.push(
            attach(
              'perf',
              [
                'stat',
                '-e',
                SYSCALL_EVENTS.join(','),
                '-p',
                String(subject.pid),
                '--',
                'sleep',
                String(spanMs / 1000),
              ],
              spanMs + 2000,
            ),
          );
        }
        if (values.strace) {
          tools.push(attach('strace', ['-c', '-f', '-p', String(subject.pid)], spanMs));
        }
      },
      1000 + calls * 0.5,
    );
    const r = await level;
    clearTimeout(started);
    recordGc = false;
    const after = await subject.ioCounters();
    const outputs = await Promise.all(tools);
    const gcTotal = gcPauses.reduce((a, b) => a + b, 0);
    console.log(
      `${values.subject}${values.subject === 'batch' ? ` (native forwarding ${values.fast})` : ''}, ` +
        `${calls} calls = ${(calls * 100).toLocaleString('en-US')} packets/s, ${durationMs / 1000} s: ` +
        `CPU ${(r.relayCpu * 100).toFixed(1)} %, p50 ${r.latencyMs.p50.toFixed(3)} ms, ` +
        `p99 ${r.latencyMs.p99.toFixed(3)} ms, p99.9 ${r.latencyMs.p999.toFixed(3)} ms, ` +
        `loss ${(r.lossRatio * 100).toFixed(3)} %, others ${r.otherCpu === null ? '-' : (r.otherCpu * 100).toFixed(0)} %`,
    );
    if (values.subject === 'batch' || values.subject === 'dgram') {
      console.log(
        `garbage collections during the level: ${gcPauses.length}, ${gcTotal.toFixed(1)} ms in all, ` +
          `longest ${gcPauses.length === 0 ? 0 : Math.max(...gcPauses).toFixed(2)} ms`,
      );
    }
    if (before !== null && after !== null) {
      const d = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
      const perSecond = (n) => Math.round(n / (durationMs / 1000)).toLocaleString('en-US');
      console.log(
        `addon: event loop ${perSecond(d.wakeups)} wake-ups/s, ${perSecond(d.scriptCalls)} calls into JavaScript/s ` +
          `with ${perSecond(d.toScript)} datagrams/s; forwarding thread ${perSecond(d.forwardingWakeups)} wake-ups/s, ` +
          `${(d.forwardedNatively / Math.max(1, d.forwardingWakeups)).toFixed(2)} datagrams per wake-up, ` +
          `${perSecond(d.forwardedNatively)} forwarded/s, ${perSecond(d.droppedNatively)} dropped/s; ${perSecond(d.sendCalls)} sendmmsg/s`,
      );
    }
    for (const out of outputs) {
      console.log(out.trim());
    }
  } finally {
    await subject.stop();
  }
} finally {
  observer.disconnect();
  await generator.close();
}
