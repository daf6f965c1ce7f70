/**
 * Signalling load through the Mediation Server: SIPp places relayed calls at the Mediation
 * Server's client side at rising rates (each step a bounded number of calls), another SIPp
 * answers them as the gateway. The Mediation Server runs in this process, pinned to CPU 0;
 * both SIPp processes run on CPU 1. Before each step the benchmark waits for a quiet machine;
 * a step during which other processes took more than 20 % of a core is run again (twice at
 * most). Prints one row per step and the knee (the highest rate with no call failed). Run
 * after `npm run build`:
 *
 *   node perf/sip.bench.js [--rates 200,500,800,1000,1200] [--seconds 10] [--hold-ms 1000]
 *                          [--base 96] [--semi-space 0] [--json FILE]
 *
 * `--semi-space MB` runs the Mediation Server's process with V8's young generation at that
 * many MB a semi-space (node --max-semi-space-size; 0, the default, keeps Node's 16 MB), to
 * compare the collector's share.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { waitQuiet } from './quiet.js';
import { pino } from 'pino';
import { formatSipSteps, kneeOf, SipLoadLab } from '../dist/cli/sip-load.js';
import { sippInstalled } from '../dist/cli/sip-load-sipp.js';
import { pinCurrentProcess } from '../dist/media/index.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '200,500,800,1000,1200' },
    seconds: { type: 'string', default: '10' },
    'hold-ms': { type: 'string', default: '1000' },
    base: { type: 'string', default: '96' },
    'semi-space': { type: 'string', default: '0' },
    json: { type: 'string' },
  },
});

// V8 takes the young generation's size only at start: the benchmark runs itself again with it.
const semiSpace = Number(values['semi-space']);
const flag = `--max-semi-space-size=${semiSpace}`;
if (semiSpace > 0 && !process.execArgv.includes(flag)) {
  const r = spawnSync(process.execPath, [...process.execArgv, flag, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
const holdMs = Number(values['hold-ms']);
const log = (s) => process.stderr.write(`${s}\n`);

const have = sippInstalled();
if (!have.sipp) {
  log('sipp is not installed (Debian package sip-tester): skipped');
  process.exit(0);
}
const pinned = have.taskset && availableParallelism() >= 2 && (await pinCurrentProcess(0));
const lab = await SipLoadLab.open(pino({ level: 'error' }), Number(values.base));
log(
  `Mediation Server at ${lab.mediationServer}, ${pinned ? 'pinned to CPU 0, SIPp to CPU 1' : 'not pinned'}, young generation ${semiSpace > 0 ? `${semiSpace} MB` : "Node's default"}; ${seconds} s of calls per step, each held ${holdMs} ms`,
);
const steps = [];
let failing = 0;
log(formatSipSteps([]));
try {
  for (const rate of rates) {
    let step = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const quiet = await waitQuiet();
      step = await lab.step({ rate, seconds, holdMs, sippCpu: pinned ? 1 : undefined });
      step = { ...step, busyBefore: quiet };
      log(formatSipSteps([step]).split('\n')[1]);
      if ((step.otherCpu ?? 0) <= 0.2) {
        break;
      }
      log(`  other processes took ${(step.otherCpu * 100).toFixed(0)} % of a core: again`);
    }
    steps.push(step);
    // Let the calls of the step be summarised before the next one.
    await new Promise((r) => setTimeout(r, 2000));
    failing = step.failed > 0 ? failing + 1 : 0;
    if (failing >= 2) {
      log('two steps in a row with failed calls: the rates above are not run');
      break;
    }
  }
} finally {
  await lab.close();
}
process.stdout.write(`${formatSipSteps(steps)}\n`);
process.stdout.write(`knee: ${kneeOf(steps)} calls/s with no call failed\n`);
if (values.json) {
  const doc = {
    date: new Date().toISOString(),
    cpuModel: cpus()[0]?.model,
    pinned,
    seconds,
    holdMs,
    steps,
  };
  writeFileSync(values.json, `${JSON.stringify(doc, null, 2)}\n`);
}
process.exit(0);
