import { describe, expect, it } from 'vitest';
import { capture, type Captured } from '../../support/cli.js';
import { runLoadCommand } from '../../../src/cli/load-command.js';
import { ExitCode } from '../../../src/cli/io.js';

/** `mediapath load ARGS` in-process. */
function load(argv: string[]): Promise<Captured> {
  return capture(runLoadCommand, argv);
}

interface LoadJson {
  result: {
    calls: number;
    callsCarried: number;
    offeredPps: number;
    forwardedPps: number;
    lossRatio: number;
    latencyMs: { p50: number; p99: number; p999: number };
    relayCpu: number;
    held: boolean;
  };
  floorsMissed: string[];
}

// Slow: a real load run through the relay. The floors are generous on purpose; the
// benchmarks (perf/) measure the real limits. CI machines share their cores with other
// jobs: a run during which another process held the relay's core for a few percent of the
// time misses the p99 floor, so the level is retried once before it counts as a failure.
describe('relay load (CI floor)', { timeout: 90_000, retry: 1 }, () => {
  it('carries 300 relayed calls for 8 s with loss < 0.1 % and p99 < 20 ms', async () => {
    const {
      code,
      out: stdout,
      err: stderr,
    } = await load([
      '--calls',
      '300',
      '--seconds',
      '8',
      '--json',
      '-',
      '--no-pin',
      '--max-loss',
      '0.1',
      '--max-p99-ms',
      '20',
    ]);
    const json = JSON.parse(stdout) as LoadJson;
    // On failure the whole result is shown: latency, CPU of the relay, the generator and of
    // other processes during the run.
    expect({
      code,
      floorsMissed: json.floorsMissed,
      stderr: stderr.slice(0, 500),
      result: json.result,
    }).toMatchObject({
      code: ExitCode.OK,
      floorsMissed: [],
    });
    const r = json.result;
    expect(r.calls).toBe(300);
    expect(r.callsCarried).toBe(300);
    expect(r.offeredPps).toBeGreaterThan(29_000);
    expect(r.forwardedPps).toBeGreaterThan(29_000);
    expect(r.lossRatio).toBeLessThan(0.001);
    expect(r.latencyMs.p99).toBeLessThan(20);
    expect(r.relayCpu).toBeGreaterThan(0);
  });

  it('exits 5 when a floor is missed', async () => {
    const { code, out: stdout } = await load([
      '--calls',
      '5',
      '--seconds',
      '2',
      '--no-pin',
      '--max-p99-ms',
      '0',
    ]);
    expect(code).toBe(ExitCode.LOAD_FLOOR_MISSED);
    expect(stdout).toMatch(/FLOOR MISSED: p99 .* exceeds --max-p99-ms 0/);
  });
});
