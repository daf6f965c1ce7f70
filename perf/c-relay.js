/**
 * The C floor relay (perf/c-relay/c_relay.c) as a relay under test: built with the system's C
 * compiler (the toolchain that builds the native addon), started pinned like the others,
 * driven over its stdin/stdout control lines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { processCpuMicros, processRssBytes } from './rtpengine.js';

const source = fileURLToPath(new URL('./c-relay/c_relay.c', import.meta.url));
const binary = fileURLToPath(new URL('./c-relay/build/c_relay', import.meta.url));

/** Builds the C relay when it is missing or older than its source; null when it cannot. */
export function buildCRelay() {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) {
    return binary;
  }
  mkdirSync(fileURLToPath(new URL('./c-relay/build/', import.meta.url)), { recursive: true });
  const cc = process.env.CC ?? 'cc';
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', binary, source], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`could not build the C relay with ${cc}: ${r.stderr ?? r.error}\n`);
    return null;
  }
  return binary;
}

/**
 * Starts the C relay (on `cpu` when given) and returns a CallAllocator (see
 * src/media/load-run.ts) over it, its process id, and how to stop it.
 */
export async function startCRelay(options = {}) {
  const path = buildCRelay();
  if (path === null) {
    throw new Error('the C relay could not be built');
  }
  const child =
    options.cpu === undefined
      ? spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'] })
      : spawn('taskset', ['-c', String(options.cpu), path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const ask = (line) =>
    new Promise((resolve) => {
      waiting.push(resolve);
      child.stdin.write(`${line}\n`);
    });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const pid = child.pid;
  const allocator = {
    name: 'C floor',
    async allocate(peerA, peerB) {
      const answer = await ask(
        `alloc ${peerA.address} ${peerA.port} ${peerB.address} ${peerB.port}`,
      );
      const [ok, id, portA, portB] = answer.split(' ');
      if (ok !== 'ok') {
        throw new Error(`C relay: ${answer}`);
      }
      return {
        id,
        a: { address: '127.0.0.1', port: Number(portA) },
        b: { address: '127.0.0.1', port: Number(portB) },
      };
    },
    async release(id) {
      await ask(`free ${id}`);
    },
    cpuMicros: () => processCpuMicros(pid),
    rssBytes: () => processRssBytes(pid),
  };
  return {
    allocator,
    pid,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          process.off('exit', killOnExit);
          resolve();
        });
        child.stdin.end();
      }),
  };
}
