import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogSink, openLogFile } from '../../../src/cli/log-sink.js';
import { cli } from '../../support/cli.js';

/**
 * Logging can never stop a run: a log sink that blocks (a FIFO nobody reads, with or without
 * a reader), fills (/dev/full) or fails costs dropped and counted lines, never a hang at
 * start, while running or at exit. Real descriptors; Linux.
 */

const dirs: string[] = [];
const fds: number[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) {
    closeSync(fd);
  }
  for (const d of dirs.splice(0)) {
    rmSync(d, { recursive: true, force: true });
  }
});

function fifo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mediapath-log-'));
  dirs.push(dir);
  const path = join(dir, 'log.fifo');
  execFileSync('mkfifo', [path]);
  return path;
}

const line = `${JSON.stringify({ level: 30, msg: 'x'.repeat(200) })}\n`;

describe.skipIf(process.platform !== 'linux')('the log sink', () => {
  it('does not wait for a FIFO that has no reader: every line is dropped and counted', async () => {
    const t = performance.now();
    const fd = openLogFile(fifo());
    expect(fd).toBeInstanceOf(Error);
    const sink = new LogSink(fd as Error);
    for (let i = 0; i < 100; i++) {
      sink.write(line);
    }
    const report = await sink.close();
    expect(report).toMatchObject({ written: 0, dropped: 100 });
    expect(report.error).toMatch(/ENXIO/);
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('never blocks on a FIFO whose reader does not read: lines beyond the pipe are dropped', async () => {
    const path = fifo();
    // A reader that never reads: the pipe fills after 64 KiB.
    fds.push(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
    const fd = openLogFile(path);
    expect(typeof fd).toBe('number');
    const sink = new LogSink({ fd: fd as number, owned: true }, { maxQueuedBytes: 256 * 1024 });
    const t = performance.now();
    for (let i = 0; i < 50_000; i++) {
      sink.write(line);
    }
    // Ten MiB offered: write never waited.
    expect(performance.now() - t).toBeLessThan(2000);
    const closing = performance.now();
    const report = await sink.close();
    expect(performance.now() - closing).toBeLessThan(1500);
    expect(report.written).toBeGreaterThan(0);
    expect(report.dropped).toBeGreaterThan(40_000);
    expect(report.written + report.dropped).toBe(50_000);
  });

  it('counts what a full disk refuses (/dev/full) and closes at once', async () => {
    const fd = openLogFile('/dev/full');
    expect(typeof fd).toBe('number');
    const sink = new LogSink({ fd: fd as number, owned: true });
    for (let i = 0; i < 1000; i++) {
      sink.write(line);
    }
    const report = await sink.close();
    expect(report.error).toMatch(/ENOSPC/);
    expect(report.dropped).toBe(1000);
  });
});

describe.skipIf(process.platform !== 'linux')(
  'mediapath run with a log that cannot be written',
  () => {
    it('runs to the end with --log on a FIFO nobody reads, and says the lines were dropped', async () => {
      const r = await cli(['run', '--log', fifo(), '--log-level', 'debug']);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/cannot write the log .*ENXIO/);
      expect(r.err).toMatch(/\d+ log lines dropped/);
    }, 30_000);

    it('runs to the end with --log on a full disk', async () => {
      const r = await cli(['run', '--log', '/dev/full', '--log-level', 'debug']);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/\d+ log lines dropped \(the log \/dev\/full: .*ENOSPC/);
    }, 30_000);

    it('runs to the end when its standard error is a full pipe nobody reads', async () => {
      const path = fifo();
      fds.push(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
      const err = openSync(path, constants.O_WRONLY);
      fds.push(err);
      // Fill the pipe first: any blocking write to it would wait forever.
      const filler = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
      fds.push(filler);
      const block = Buffer.alloc(4096, 0x78);
      let filled = 0;
      for (;;) {
        try {
          filled += writeSync(filler, block);
        } catch {
          break;
        }
      }
      expect(filled).toBeGreaterThanOrEqual(4096);
      const child = spawn(
        process.execPath,
        ['bin/mediapath.js', 'run', '--log-level', 'trace', '--json', '-'],
        { stdio: ['ignore', 'pipe', err] },
      );
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const kill = setTimeout(() => {
          child.kill('SIGKILL');
        }, 25_000);
        child.once('exit', (c) => {
          clearTimeout(kill);
          resolve(c);
        });
      });
      expect(code).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ kind: 'run', expectationsFailed: 0 });
    }, 30_000);
  },
);
