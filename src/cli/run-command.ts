/**
 * `mediapath run [FILE]`: the live run of a scenario, on loopback in this process, in network
 * namespaces with one agent process per host (`--net netns`), or with agents started
 * elsewhere (`--net agents`); prints one row per call and writes the JSON report.
 *
 * This file must not know how hosts, SIP or media work (the lab does), nor how the report is
 * laid out (the report layer); it parses the command line, makes the root logger, handles
 * Ctrl-C and picks the exit code from the outcome.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { pino } from 'pino';
import {
  assignLoopback,
  endpointMedia,
  runLab,
  runOrchestrated,
  type LabProgress,
  type LabResult,
} from '../lab/index.js';
import { buildRunResults, formatLinks, formatRunTable, runJson } from '../report/index.js';
import { parseCommandArgs } from './args.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { loadForCommand } from './load-scenario.js';
import { DEFAULT_SCENARIO } from './paths.js';
import { UsageError } from './usage.js';

export const RUN_HELP = `Usage: mediapath run [FILE] [--net loopback|netns|agents] [--listen ADDRESS]
                     [--json FILE] [--log FILE] [--log-level LEVEL]

Runs the scenario live: every host is a real SIP endpoint on its own loopback address
(127.77.x.y; the scenario's own IPs still drive policy), every call a real SIP dialog
(INVITE, 100, 180, 200, ACK, BYE) with G.711 RTP both ways every 20 ms for its duration.
The Mediation Server consults the policy engine per call: on bypass the gateway gets the
client's media address, otherwise the Mediation Server relays the media, and CAC may refuse
the call with a SIP error. Prints one row per call: the decision, the media path observed from
the packets each host received, packets each way, loss and jitter, and flags any difference
(no media, one-way media, media through the Mediation Server on a bypassed call).

Modes (--net):
  loopback           (default) one process; every host on its own 127.77.x.y address
  netns              Linux, root: a network namespace per site and a router namespace joined
                     by veth pairs, every host on its real scenario IP, one agent process per
                     host (mediapath agent); link rates by tc tbf where the kernel has it,
                     delay, jitter and loss in user space. Everything created is removed at
                     the end, on Ctrl-C and on a crash (mediapath net clean for a killed run).
  agents             wait for one agent per host to join at --listen (containers: see
                     docker-compose.yml); nothing is started or created here

Options:
  --net MODE         loopback, netns or agents (above)
  --listen ADDRESS   agents mode: where agents join, HOST:PORT or unix:PATH
                     (default 127.0.0.1:7000)
  --kernel-rates     agents mode: link rates are shaped by the network (the compose
                     router's tc tbf); agents apply only delay, jitter and loss
  --json FILE        write everything (decisions, traces, SIP message log, streams) to FILE
  --log FILE         write the JSON log to FILE (level: --log-level, default info)
  --log-level LEVEL  trace, debug, info, warn, error (default: error, to stderr)
  -h, --help         this help

Examples:
  mediapath run                              # the embedded default scenario
  mediapath run scenarios/branch-office.yaml
  sudo mediapath run --net netns scenarios/branch-office.yaml
  mediapath run scenarios/broken-lab-sbc.yaml --json out/broken.json

Exit codes: 0 every expectation met, 1 an expectation failed, 2 bad usage, 3 invalid
scenario, 4 runtime failure, 130 interrupted.
`;

/** `mediapath run`: the live run on loopback. */
export async function runCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    json: { type: 'string' },
    net: { type: 'string' },
    listen: { type: 'string' },
    'kernel-rates': { type: 'boolean' },
    log: { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(RUN_HELP);
    return ExitCode.OK;
  }
  const mode = typeof values.net === 'string' ? values.net : 'loopback';
  if (mode !== 'loopback' && mode !== 'netns' && mode !== 'agents') {
    throw new UsageError(`--net must be loopback, netns or agents, got "${mode}"`);
  }
  if ((values.listen !== undefined || values['kernel-rates'] !== undefined) && mode !== 'agents') {
    throw new UsageError('--listen and --kernel-rates go with --net agents');
  }
  if (positionals.length > 1) {
    throw new UsageError('run takes one scenario file');
  }
  const file = positionals[0] ?? DEFAULT_SCENARIO;
  const scenario = await loadForCommand(file, io);
  const level =
    typeof values['log-level'] === 'string'
      ? values['log-level']
      : typeof values.log === 'string'
        ? 'info'
        : 'error';
  const logger =
    typeof values.log === 'string'
      ? pino(
          { level, base: { run: scenario.name } },
          pino.destination({ dest: values.log, sync: false, mkdir: true }),
        )
      : pino({ level, base: null }, pino.destination({ dest: 2, sync: true }));
  const controller = new AbortController();
  const onSigint = (): void => {
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  const tty = io.stderr.isTTY === true;
  let lastLine = 0;
  const progress = (p: LabProgress): void => {
    const text = `running ${(p.elapsedMs / 1000).toFixed(1)}s / ${(p.plannedMs / 1000).toFixed(1)}s: ${p.started} of ${p.total} calls started, ${p.ended} ended`;
    if (tty) {
      io.stderr.write(`\r${text}\u001b[K`);
    } else if (p.elapsedMs - lastLine >= 5000) {
      lastLine = p.elapsedMs;
      io.stderr.write(`${text}\n`);
    }
  };
  const status = (line: string): void => {
    io.stderr.write(tty ? `\r\u001b[K${line}\n` : `${line}\n`);
  };
  const where =
    mode === 'netns'
      ? 'in network namespaces, one process per host'
      : mode === 'agents'
        ? 'with one agent per host'
        : 'live on loopback';
  try {
    let result: LabResult;
    if (mode === 'loopback') {
      const addressing = assignLoopback(scenario);
      result = await runLab(scenario, {
        logger,
        media: endpointMedia(logger, (a) => addressing.hostOf(a)),
        onProgress: progress,
        signal: controller.signal,
      });
    } else {
      const source = { text: await readFile(file, 'utf8'), file };
      if (mode === 'netns') {
        const { runNetns } = await import('./netns-run.js');
        result = await runNetns(scenario, {
          logger,
          logLevel: level,
          source,
          signal: controller.signal,
          onProgress: progress,
          onStatus: status,
        });
      } else {
        const listen = typeof values.listen === 'string' ? values.listen : '127.0.0.1:7000';
        status(`waiting for one agent per host at ${listen}`);
        result = await runOrchestrated(scenario, {
          logger,
          listen,
          source,
          signal: controller.signal,
          onProgress: progress,
          joinTimeoutMs: 120_000,
          kernelRates: values['kernel-rates'] === true,
          onJoin: (n, total) => {
            status(`${n} of ${total} agents joined`);
          },
        });
      }
    }
    if (tty) {
      io.stderr.write('\r\u001b[K');
    }
    const isMs = (h: string): boolean => scenario.hosts.mediationServers.some((m) => m.name === h);
    const results = buildRunResults(result.calls, isMs);
    io.stdout.write(
      formatRunTable(results, {
        colour: useColour(io.stdout, io.env),
        title: `${scenario.name} (${file === DEFAULT_SCENARIO ? 'embedded default' : file}), ${where}, ${(result.durationMs / 1000).toFixed(1)}s`,
      }),
    );
    io.stdout.write(formatLinks(result.links, useColour(io.stdout, io.env)));
    if (typeof values.json === 'string') {
      const doc = runJson(
        {
          scenario: { name: scenario.name, source: file },
          mode,
          durationMs: Math.round(result.durationMs),
          aborted: result.aborted,
          hosts: result.addressing.entries,
          links: result.links,
        },
        results,
      );
      await writeFile(values.json, `${JSON.stringify(doc, null, 2)}\n`);
      io.stderr.write(`wrote ${values.json}\n`);
    }
    if (result.aborted) {
      return ExitCode.INTERRUPTED;
    }
    return results.some((r) => r.failures.length > 0) ? ExitCode.EXPECTATION_FAILED : ExitCode.OK;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
    logger.flush();
  }
}
