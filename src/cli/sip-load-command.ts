/**
 * `mediapath load --sip`: the signalling load test. SIPp places relayed calls at the Mediation
 * Server's client side at rising rates and answers them as the gateway; the Mediation Server
 * runs in this process. Prints one row per rate (calls attempted, completed, failed,
 * retransmissions, INVITE-to-200 p50 and p99, the Mediation Server's CPU) and the knee; with
 * `--max-failed`, a step over it exits with LOAD_FLOOR_MISSED (5) for CI.
 *
 * This file must not know how a step is measured (`sip-load.ts`) nor how SIPp is driven
 * (`sip-load-sipp.ts`); it parses the command line, pins CPUs and reports.
 */
import { availableParallelism } from 'node:os';
import { machineBusySeconds, pinCurrentProcess } from '../media/index.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { reportFailure } from './failure.js';
import { listenForInterrupt } from './interrupt.js';
import { ExitCode, type CliIO } from './io.js';
import { createRootLogger } from './logger.js';
import { outputOf, prepareOutput, writeOutput, type Output } from './output.js';
import { formatSipSteps, kneeOf, SipLoadLab, type SipStepResult } from './sip-load.js';
import { sippInstalled } from './sip-load-sipp.js';
import { UsageError } from './usage.js';

/** Help text of `mediapath load --sip`. */
export const SIP_LOAD_HELP = `Usage: mediapath load --sip [--rates R1,R2,...] [--seconds T] [--hold-ms MS]
                           [--max-failed N] [--loopback-base N] [--no-pin] [--no-wait]
                           [--json FILE|-]

Signalling load through the Mediation Server: SIPp (Debian package sip-tester) calls a number
at the Mediation Server's client side, R new calls a second for T seconds, each call held MS
milliseconds, and a second SIPp answers as the gateway; every call is relayed. The Mediation
Server runs in this process, pinned to CPU 0, and both SIPp processes on CPU 1 (with taskset
and two CPUs). A step waits for a quiet machine first and runs again (twice at most) when
other processes took over 20 % of a core meanwhile.

Per rate: calls attempted, completed and failed, SIPp's retransmissions, INVITE-to-200 p50
and p99 (ms), the Mediation Server's CPU (% of a core, and microseconds per call), SIPp's
and other processes' CPU, and the resident memory; then the knee, the highest rate with no
call failed.

Options:
  --rates LIST       new calls a second, one step each (default 200,500,1000)
  --seconds T        seconds of new calls per step (default 10)
  --hold-ms MS       how long each call is held (default 1000)
  --max-failed N     floor: exit 5 when a step has more than N failed calls
  --loopback-base N  the second octet of the lab's addresses (default 96: 127.96.x.y)
  --no-pin           do not pin the Mediation Server and SIPp to CPUs
  --no-wait          do not wait for a quiet machine, nor run a disturbed step again
  --json FILE|-      the steps as JSON
  -h, --help         this help

Exit codes: 0 done (and the floor held), 2 bad usage, 4 SIPp missing or the lab cannot bind,
5 a step over --max-failed, 130 interrupted.
`;

interface SipLoadArgs {
  readonly rates: readonly number[];
  readonly seconds: number;
  readonly holdMs: number;
  readonly maxFailed: number | undefined;
  readonly base: number;
  readonly pin: boolean;
  readonly wait: boolean;
  readonly json: Output | null;
}

/** A whole number within bounds, or the fallback when the option is absent. */
function whole(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) {
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new UsageError(`--${name} must be an integer 0-${max}, got ${value}`);
  }
  return n;
}

/**
 * Parses the arguments after `load` (with `--sip`); null for --help.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 */
function parseSipLoadArgs(argv: readonly string[]): SipLoadArgs | null {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      sip: { type: 'boolean' },
      rates: { type: 'string' },
      seconds: { type: 'string' },
      'hold-ms': { type: 'string' },
      'max-failed': { type: 'string' },
      'loopback-base': { type: 'string' },
      'no-pin': { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { json: OUTPUT_VALUE },
  );
  if (values.help) {
    return null;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument: ${positionals[0]}`);
  }
  const rates = (values.rates ?? '200,500,1000').split(',').map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isInteger(r) || r < 1 || r > 10_000)) {
    throw new UsageError(`--rates must be integers 1-10000, got ${values.rates}`);
  }
  const base = whole(values['loopback-base'], 'loopback-base', 96, 254);
  if (base < 1) {
    throw new UsageError('--loopback-base must be an integer 1-254');
  }
  const seconds = whole(values.seconds, 'seconds', 10, 3600);
  if (seconds < 1) {
    throw new UsageError('--seconds must be at least 1');
  }
  return {
    rates,
    seconds,
    holdMs: whole(values['hold-ms'], 'hold-ms', 1000, 3_600_000),
    maxFailed:
      values['max-failed'] === undefined
        ? undefined
        : whole(values['max-failed'], 'max-failed', 0, 1e9),
    base,
    pin: values['no-pin'] !== true,
    wait: values['no-wait'] !== true,
    json: outputOf('--json', values.json, { notYaml: true }),
  };
}

/** Waits (a minute at most) until other processes use less than a quarter of a core. */
async function waitQuiet(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const a = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineBusySeconds();
    if (a === null || b === null || b - a < 0.25) {
      return;
    }
  }
}

/**
 * Runs `mediapath load --sip`.
 * @param argv - Arguments after `load`, `--sip` among them.
 * @returns An exit code from {@link ExitCode}.
 */
export async function runSipLoadCommand(argv: readonly string[], io: CliIO): Promise<number> {
  let args: SipLoadArgs | null;
  try {
    args = parseSipLoadArgs(argv);
    if (args !== null) {
      await prepareOutput(args.json);
    }
  } catch (e) {
    return reportFailure('load', e, io);
  }
  if (args === null) {
    io.stdout.write(SIP_LOAD_HELP);
    return ExitCode.OK;
  }
  const have = sippInstalled();
  if (!have.sipp) {
    io.stderr.write('mediapath load --sip: sipp is not installed (Debian package sip-tester)\n');
    return ExitCode.RUNTIME;
  }
  const root = createRootLogger({ level: 'error', file: null, io, bindings: null });
  const interrupt = listenForInterrupt(io);
  let lab: SipLoadLab | undefined;
  try {
    const pinned =
      args.pin && have.taskset && availableParallelism() >= 2 && (await pinCurrentProcess(0));
    lab = await SipLoadLab.open(root.logger, args.base);
    const toText = args.json?.kind !== 'stdout';
    const say = (s: string): void => {
      if (toText) {
        io.stdout.write(`${s}\n`);
      }
    };
    say(
      `mediapath load --sip: Mediation Server at ${lab.mediationServer} (${pinned ? 'CPU 0, SIPp on CPU 1' : 'not pinned'}), ${args.seconds} s of calls per rate, each held ${args.holdMs} ms`,
    );
    say(formatSipSteps([]));
    const steps: SipStepResult[] = [];
    for (const rate of args.rates) {
      let step: SipStepResult | undefined;
      const attempts = args.wait ? 3 : 1;
      for (let attempt = 0; attempt < attempts && !interrupt.signal.aborted; attempt++) {
        if (args.wait) {
          await waitQuiet();
        }
        step = await lab.step({
          rate,
          seconds: args.seconds,
          holdMs: args.holdMs,
          sippCpu: pinned ? 1 : undefined,
        });
        if ((step.otherCpu ?? 0) <= 0.2) {
          break;
        }
      }
      if (step === undefined || interrupt.signal.aborted) {
        return ExitCode.INTERRUPTED;
      }
      steps.push(step);
      say(formatSipSteps([step]).split('\n')[1] ?? '');
      if (rate !== args.rates.at(-1)) {
        // The calls of the step are summarised before the next one starts.
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    const knee = kneeOf(steps);
    say(`knee: ${knee} calls/s with no call failed`);
    const missed =
      args.maxFailed === undefined ? [] : steps.filter((s) => s.failed > args.maxFailed!);
    for (const s of missed) {
      say(`FLOOR MISSED: ${s.failed} calls failed at ${s.rate} calls/s`);
    }
    if (args.json !== null) {
      const doc = { pinned, seconds: args.seconds, holdMs: args.holdMs, knee, steps };
      await writeOutput(args.json, `${JSON.stringify(doc, null, 2)}\n`, io);
    }
    return missed.length > 0 ? ExitCode.LOAD_FLOOR_MISSED : ExitCode.OK;
  } catch (e) {
    return reportFailure('load', e, io);
  } finally {
    interrupt.dispose();
    await lab?.close();
    await root.close();
  }
}
