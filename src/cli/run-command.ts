import { writeFile } from 'node:fs/promises';
import { pino } from 'pino';
import { assignLoopback, endpointMedia, runLab, type LabProgress } from '../lab/index.js';
import { buildRunResults, formatLinks, formatRunTable, runJson } from '../report/index.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { DEFAULT_SCENARIO, loadForCommand, parseCommandArgs } from './main.js';

export const RUN_HELP = `Usage: mediapath run [FILE] [--json FILE] [--log FILE] [--log-level LEVEL]

Runs the scenario live: every host is a real SIP endpoint on its own loopback address
(127.77.x.y; the scenario's own IPs still drive policy), every call a real SIP dialog
(INVITE, 100, 180, 200, ACK, BYE) with G.711 RTP both ways every 20 ms for its duration.
The Mediation Server consults the policy engine per call: on bypass the gateway gets the
client's media address, otherwise the Mediation Server relays the media, and CAC may refuse
the call with a SIP error. Prints one row per call: the decision, the media path observed from
the packets each host received, packets each way, loss and jitter, and flags any difference
(no media, one-way media, media through the Mediation Server on a bypassed call).

Options:
  --json FILE        write everything (decisions, traces, SIP message log, streams) to FILE
  --log FILE         write the JSON log to FILE (level: --log-level, default info)
  --log-level LEVEL  trace, debug, info, warn, error (default: error, to stderr)
  -h, --help         this help

Examples:
  mediapath run                              # the embedded default scenario
  mediapath run scenarios/branch-office.yaml
  mediapath run scenarios/broken-lab-sbc.yaml --json out/broken.json

Exit codes: 0 every expectation met, 1 an expectation failed, 2 bad usage, 3 invalid
scenario, 4 runtime failure, 130 interrupted.
`;

/** `mediapath run`: the live run on loopback. */
export async function runCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    json: { type: 'string' },
    log: { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(RUN_HELP);
    return ExitCode.OK;
  }
  const file = positionals[0] ?? DEFAULT_SCENARIO;
  const scenario = await loadForCommand(file, io);
  if (!scenario) {
    return ExitCode.INVALID_SCENARIO;
  }
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
  const addressing = assignLoopback(scenario);
  const media = endpointMedia(logger, (a) => addressing.hostOf(a));
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
  try {
    const result = await runLab(scenario, {
      logger,
      media,
      onProgress: progress,
      signal: controller.signal,
    });
    if (tty) {
      io.stderr.write('\r\u001b[K');
    }
    const isMs = (h: string): boolean => scenario.hosts.mediationServers.some((m) => m.name === h);
    const results = buildRunResults(result.calls, isMs);
    io.stdout.write(
      formatRunTable(results, {
        colour: useColour(io.stdout, io.env),
        title: `${scenario.name} (${file === DEFAULT_SCENARIO ? 'embedded default' : file}), live on loopback, ${(result.durationMs / 1000).toFixed(1)}s`,
      }),
    );
    io.stdout.write(formatLinks(result.links, useColour(io.stdout, io.env)));
    if (typeof values.json === 'string') {
      const doc = runJson(
        {
          scenario: { name: scenario.name, source: file },
          mode: 'loopback',
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
